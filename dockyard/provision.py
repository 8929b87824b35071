"""Get a current Docker engine, Compose v2 and buildx onto a Debian/Ubuntu machine where none is running.

Where an engine already answers, nothing changes. Set DOCKYARD_PROVISION=0 to forbid any install.

Debian's stable `docker.io` is years behind what learners run, so the engine comes from Debian's
testing packages (Debian 13's where testing's do not run here): fetched with `apt-get download`
against a private source list, unpacked with `dpkg -x` into a private prefix, and started from
there. Nothing from those suites is installed system-wide; only the host's own `runc`, `iptables`
and `tini` come through apt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dockyard.engine import EngineUnavailable, connect, engine_answers
from dockyard.errors import CourseError
from dockyard.waiting import until

PREFIX = Path("/opt/dockyard-engine")
RECORD = PREFIX / "engine.json"
PLUGIN_DIR = Path("/usr/local/lib/docker/cli-plugins")
DOCKERD_LOG = Path("/var/log/dockyard-dockerd.log")
DAEMON_CONFIG_FILE = PREFIX / "daemon.json"
BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")
# The containerd image store, which Docker Desktop (4.34 and later) and new installs of Engine 29 use:
# the engine the course starts keeps images as most new learners' engines do. Engine 28 has it behind
# this feature; an engine that already runs keeps the store it has.
CONTAINERD_STORE = {"features": {"containerd-snapshotter": True}}
# Newest first: testing carries a current engine; Debian 13's is the fallback when testing's
# binaries do not run on this host (they are built against a newer libc one day or another).
SUITES = ("testing", "trixie")
ENGINE_DEBS = ["docker.io", "containerd"]
PLUGINS = {"compose": "docker-compose", "buildx": "docker-buildx"}
HOST_PACKAGES = ["runc", "iptables", "tini", "ca-certificates"]
# The engine's helpers, as the packages lay them out; dockerd finds them on its PATH.
ENGINE_BINARIES = ["usr/sbin/dockerd", "usr/sbin/docker-proxy", "usr/bin/containerd",
                   "usr/bin/containerd-shim-runc-v2", "usr/bin/ctr"]
START_TIMEOUT = 60
PLUGINS_BY_HAND = ("Install Docker's Compose v2 and buildx plugins yourself (Docker Desktop has them; on "
                   "Linux the docker-compose-plugin and docker-buildx-plugin packages from Docker's apt "
                   "repository), then run `python -m dockyard setup` again.")
INSTALL_BY_HAND = ("Installing Docker needs apt and Debian's mirror (http://deb.debian.org): check that "
                   "`apt-get update` works here, or install Docker yourself "
                   "(https://docs.docker.com/engine/install/) and run `python -m dockyard setup` again.")


class ProvisionFailed(CourseError):
    """Installing or starting Docker went wrong; the message says which step and what to do."""


def say(message: str) -> None:
    print(f"[engine] {message}", flush=True)


def forbidden() -> bool:
    """DOCKYARD_PROVISION=0: install, start and mount nothing."""
    return os.environ.get("DOCKYARD_PROVISION", "1").lower() in {"0", "no", "off", "false"}


def ensure_binfmt_misc() -> None:
    """Mount the kernel's binfmt_misc where it is not, as systemd does when a Linux machine boots: an
    emulator registered for another CPU (Share images) lasts only while it is mounted somewhere."""
    if not forbidden() and sys.platform == "linux" and os.geteuid() == 0 and BINFMT_MISC.exists() \
            and not (BINFMT_MISC / "status").exists():
        if subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT_MISC)]).returncode == 0:
            say(f"mounted binfmt_misc on {BINFMT_MISC}, as systemd does at boot.")


def ensure_engine() -> None:
    """Make sure an engine answers, installing and starting one where that is allowed."""
    ensure_binfmt_misc()
    if engine_answers():
        say("a Docker engine answers; nothing to change.")
        ensure_plugins()
        return
    reason = refusal()
    if reason:
        raise EngineUnavailable(f"no engine answers, and {reason}")
    record = installed_engine() or install_engine()
    say(f"Docker Engine {record['version']} from Debian {record['suite']} in {PREFIX}")
    ensure_plugins()
    start_dockerd()


def refusal() -> str | None:
    if forbidden():
        return "DOCKYARD_PROVISION=0 forbids installing or starting Docker."
    if sys.platform != "linux":
        return f"on {sys.platform} Dockyard does not install Docker for you."
    if os.geteuid() != 0:
        return "only root may install or start Docker here."
    if not shutil.which("apt-get"):
        return "this is not a Debian/Ubuntu machine (no apt-get), so Dockyard cannot install Docker."
    return None


def apt_install(packages: list[str]) -> None:
    say(f"installing {' '.join(packages)} with apt-get ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_step(["apt-get", "update", "-qq"], env=env)
    run_step(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], env=env,
             stdout=subprocess.DEVNULL)


def run_step(command: list[str], advice: str = INSTALL_BY_HAND, error: type[CourseError] = ProvisionFailed,
             **kwargs) -> None:
    """Run one step of an install; its failure is one message naming the step and what to do, not a
    traceback."""
    try:
        subprocess.run(command, check=True, **kwargs)
    except (subprocess.CalledProcessError, OSError) as failure:
        raise error(f"`{' '.join(command[:3])} ...` failed ({failure}). {advice}") from None


def installed_engine() -> dict | None:
    """The engine a previous run put in PREFIX, if it is still there and still runs."""
    if not RECORD.exists():
        return None
    record = json.loads(RECORD.read_text())
    return record if _runs(PREFIX / "bin") else None


def install_engine(suites: tuple[str, ...] = SUITES, prefix: Path = PREFIX) -> dict:
    """Unpack the newest suite's engine whose binaries run on this host into `prefix`.

    Into PREFIX come the CLI plugins and, where the machine has none, the `docker` client too; another
    prefix gets the engine's binaries only (an older engine for a rehearsal, beside the course's own)."""
    missing = [name for name in HOST_PACKAGES if not _host_has(name)]
    if missing:
        apt_install(missing)
    main = prefix == PREFIX
    for suite in suites:
        with tempfile.TemporaryDirectory(prefix="dockyard-engine-") as tmp:
            extras = list(PLUGINS.values()) + _cli_debs() if main else []
            root = _unpack(Path(tmp), suite, ENGINE_DEBS + extras)
            if not _runs(root / "usr/sbin", root / "usr/bin"):
                say(f"Debian {suite}'s dockerd does not run on this host; trying the next suite.")
                continue
            return _install_from(root, suite, prefix)
    raise EngineUnavailable(f"no Debian suite's engine ({', '.join(suites)}) runs on this host.")


def _host_has(package: str) -> bool:
    probe = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return "install ok installed" in probe.stdout


def _cli_debs() -> list[str]:
    # The `docker` client usually comes with the machine; fetch one only where it does not.
    return [] if shutil.which("docker") else ["docker-cli"]


def _unpack(folder: Path, suite: str, packages: list[str]) -> Path:
    say(f"fetching {', '.join(packages)} from Debian {suite} ...")
    _download_debs(folder, suite, packages)
    for deb in folder.glob("*.deb"):
        run_step(["dpkg", "-x", str(deb), str(folder / "root")])
    return folder / "root"


def _runs(*folders: Path) -> bool:
    """True when dockerd and containerd in these folders start far enough to print their versions."""
    found = {name: next((f / name for f in folders if (f / name).exists()), None)
             for name in ("dockerd", "containerd")}
    for path in found.values():
        if path is None or subprocess.run([str(path), "--version"], capture_output=True).returncode:
            return False
    return True


def _install_from(root: Path, suite: str, prefix: Path = PREFIX) -> dict:
    if prefix.exists():
        shutil.rmtree(prefix)
    (prefix / "bin").mkdir(parents=True)
    for relative in ENGINE_BINARIES:
        shutil.copy2(root / relative, prefix / "bin")
    # docker-init is tini; the host's static build serves (the package only links to it).
    (prefix / "bin/docker-init").symlink_to(shutil.which("tini-static") or "/usr/bin/tini-static")
    if prefix == PREFIX:
        _install_plugins(root, list(PLUGINS))
        if (root / "usr/bin/docker").exists():
            shutil.copy2(root / "usr/bin/docker", "/usr/local/bin/docker")
    version = subprocess.run([str(prefix / "bin/dockerd"), "--version"], capture_output=True,
                             text=True).stdout.split()[2].rstrip(",")
    record = {"suite": suite, "version": version}
    (prefix / RECORD.name).write_text(json.dumps(record))
    return record


def missing_plugins() -> list[str]:
    return [name for name in PLUGINS if not _plugin_works(name)]


def _plugin_works(name: str) -> bool:
    probe = subprocess.run(["docker", name, "version"], capture_output=True)
    return probe.returncode == 0


def ensure_plugins() -> None:
    missing = missing_plugins()
    if not missing:
        return
    reason = refusal()
    if reason:
        say(f"missing CLI plugins: {', '.join(missing)}; {reason} Install Docker's compose/buildx plugins.")
        return
    suite = installed_engine()["suite"] if installed_engine() else SUITES[0]
    with tempfile.TemporaryDirectory(prefix="dockyard-plugins-") as tmp:
        _install_plugins(_unpack(Path(tmp), suite, [PLUGINS[name] for name in missing]), missing)
    still = missing_plugins()
    if still:
        raise ProvisionFailed(f"the Docker CLI plugins {', '.join(still)} still do not answer after "
                              f"installing them into {PLUGIN_DIR}. {PLUGINS_BY_HAND}")


def _install_plugins(root: Path, names: list[str]) -> None:
    PLUGIN_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(root / f"usr/libexec/docker/cli-plugins/docker-{name}", PLUGIN_DIR)


def _download_debs(folder: Path, suite: str, packages: list[str]) -> None:
    """apt-get download from a private source list, so the system's sources stay untouched."""
    sources = folder / "sources.list"
    sources.write_text(f"deb http://deb.debian.org/debian {suite} main\n")
    (folder / "lists/partial").mkdir(parents=True)
    options = [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={folder}/lists",
        f"-oDir::Cache={folder}/cache",
        "-oAPT::Sandbox::User=root",  # the private folder is root's; _apt could not write there
        "-qq",
    ]
    run_step(["apt-get", *options, "update"])
    run_step(["apt-get", *options, "download", *packages], cwd=folder, stdout=subprocess.DEVNULL)


def dockerd_command() -> list[str]:
    """dockerd with every path spelled out and a config file of its own, so it never depends on the
    host's /etc/docker/daemon.json."""
    return [
        str(PREFIX / "bin/dockerd"),
        "--host", "unix:///var/run/docker.sock",
        "--data-root", "/var/lib/docker",
        "--exec-root", "/var/run/docker",
        "--pidfile", "/var/run/docker.pid",
        "--config-file", str(DAEMON_CONFIG_FILE),
        "--init-path", str(PREFIX / "bin/docker-init"),
    ]


def start_dockerd() -> None:
    say(f"starting dockerd in the background (log: {DOCKERD_LOG}) ...")
    # containerd, its shim and docker-proxy are found on dockerd's PATH; runc is the host's.
    env = {**os.environ, "PATH": f"{PREFIX / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    DAEMON_CONFIG_FILE.write_text(json.dumps(CONTAINERD_STORE) + "\n")
    with DOCKERD_LOG.open("ab") as log:
        # setsid: the daemon outlives this command and the test run that called it.
        subprocess.Popen(dockerd_command(), stdout=log, stderr=log, env=env, start_new_session=True,
                         cwd="/")
    started = time.monotonic()
    until(engine_answers, timeout=START_TIMEOUT, interval=1,
          error=lambda _: EngineUnavailable(f"dockerd did not answer within {START_TIMEOUT} s; "
                                            f"see {DOCKERD_LOG}."))
    say(f"dockerd answers after {time.monotonic() - started:.0f} s.")


def main() -> None:
    ensure_engine()
    connect().close()
