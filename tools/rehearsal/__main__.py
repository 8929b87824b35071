"""Rehearse the whole course for another platform on a second engine (make test-arm64).

    python -m tools.rehearsal --platform linux/arm64 [--keep] [-- pytest arguments]

Steps: snapshot the main engine; register qemu with binfmt_misc (if the platform is foreign); a network
namespace with NAT; a second dockerd in it; the manifest's images prepared for the platform (stand-ins
built under emulation); the test suite in the namespace against that engine; then everything undone,
and the main engine compared with its snapshot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from dockyard import provision
from dockyard.inventory import host_arch
from dockyard.shell import REPO
from tools.rehearsal import binfmt, netns, snapshot, suite
from tools.rehearsal.engine import Engine


def say(message: str) -> None:
    print(f"[rehearsal] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.rehearsal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", default="linux/arm64", help="the platform to rehearse (linux/arm64)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the second engine's data root (its images) for a faster next run")
    parser.add_argument("--prefix", type=Path, default=provision.PREFIX,
                        help=f"the engine binaries to run (default {provision.PREFIX})")
    parser.add_argument("--suite", choices=provision.SUITES,
                        help="unpack this Debian suite's engine into --prefix if it has none (e.g. trixie's "
                             "older Engine 26 into a prefix of its own)")
    parser.add_argument("--store", choices=("overlay2", "containerd"), default="overlay2",
                        help="the second engine's image store: the classic one (overlay2) or the containerd "
                             "image store that new installs of Docker Desktop and Engine 29 use")
    parser.add_argument("--teardown", action="store_true",
                        help="only stop an engine and remove a namespace that an interrupted run left")
    parser.add_argument("tests", nargs="*", help="pytest arguments instead of the whole suite")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if os.geteuid() != 0:
        sys.exit("a rehearsal runs a second engine and a network namespace: run it as root")
    if args.teardown:
        return teardown_leftovers()
    if not (args.prefix / "bin/dockerd").exists():
        # only the binaries; the main engine is not started or changed
        provision.install_engine((args.suite,) if args.suite else provision.SUITES, args.prefix)
    started = time.monotonic()
    before = snapshot.take()
    try:
        code = rehearse(args)
    finally:
        changed = snapshot.differences(before, snapshot.take())
    if changed:
        say("THE MAIN ENGINE CHANGED during the rehearsal:\n  " + "\n  ".join(changed))
        return 3
    say(f"main engine as it was; rehearsal took {(time.monotonic() - started) / 60:.1f} min")
    return code


def rehearse(args: argparse.Namespace) -> int:
    arch = args.platform.split("/")[1]
    engine = Engine(prefix=args.prefix, store=args.store)
    env = {**os.environ, **suite.environment(engine.host, args.platform)}
    with ExitStack() as undo:
        if arch != host_arch():
            registration = binfmt.Registration(arch)
            undo.callback(registration.teardown)
            registration.setup()
        namespace = netns.Namespace()
        undo.callback(namespace.teardown)
        namespace.setup()
        check_outbound()
        netns.TMP.mkdir(parents=True, exist_ok=True)
        netns.TMP.chmod(0o1777)  # as /tmp: everyone writes, each removes only their own
        undo.callback(shutil.rmtree, netns.TMP, ignore_errors=True)  # after the engine has stopped
        undo.callback(lambda: engine.remove_state(keep_data=args.keep))
        undo.callback(engine.stop)
        engine.start(wrap=netns.run_in([], own_tmp=True))
        step = time.monotonic()
        subprocess.run(netns.run_in(suite.prepare_command(), own_tmp=True), env=env, cwd=REPO, check=True)
        say(f"images for {args.platform} ready in {(time.monotonic() - step) / 60:.1f} min")
        step = time.monotonic()
        # Every step runs, as in make test: tests/final also removes what the notebook step planted.
        codes = [subprocess.run(netns.run_in(command, own_tmp=True), env=env, cwd=REPO).returncode
                 for command in suite.pytest_commands(args.tests)]
        code = next((c for c in codes if c), 0)
        say(f"test suite: exit code {code} after {(time.monotonic() - step) / 60:.1f} min")
        return code


def check_outbound() -> None:
    """Builds need Debian's mirror (http) and PyPI (https through the host's proxy): prove both
    answer from inside the namespace before anything slow starts."""
    for url in ("http://deb.debian.org/debian/dists/bookworm/Release", "https://pypi.org/simple/pip/"):
        probe = subprocess.run(netns.run_in(["curl", "-fsS", "-o", "/dev/null", "--max-time", "20", url]),
                               capture_output=True, text=True)
        if probe.returncode:
            raise RuntimeError(f"from the namespace, {url} does not answer: {probe.stderr.strip()}")
    say("the namespace reaches Debian's mirror and PyPI")


def teardown_leftovers() -> int:
    Engine().stop()
    if netns.exists():
        netns.Namespace(made=True).teardown()
    entry = binfmt.BINFMT / "qemu-aarch64"
    if entry.exists():
        say(f"{entry} is registered; if a rehearsal added it: echo -1 > {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
