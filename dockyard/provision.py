"""Get a Docker engine, Compose v2 and buildx onto a Debian/Ubuntu machine where none is running.

Where an engine already answers, nothing changes. Set DOCKYARD_PROVISION=0 to forbid any install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dockyard.engine import EngineUnavailable, connect, engine_answers

PLUGIN_DIR = Path("/usr/local/lib/docker/cli-plugins")
DOCKERD_LOG = Path("/var/log/dockyard-dockerd.log")
# Compose v2 and buildx are not packaged for bookworm; trixie's builds run on it unchanged.
PLUGIN_SUITE = "trixie"
PLUGINS = {"compose": "docker-compose", "buildx": "docker-buildx"}
START_TIMEOUT = 60


def say(message: str) -> None:
    print(f"[engine] {message}", flush=True)


def ensure_engine() -> None:
    """Make sure an engine answers, installing and starting one where that is allowed."""
    if engine_answers():
        say("a Docker engine answers; nothing to change.")
        ensure_plugins()
        return
    reason = refusal()
    if reason:
        raise EngineUnavailable(f"no engine answers, and {reason}")
    if not shutil.which("dockerd"):
        apt_install(["docker.io"])
    ensure_plugins()
    _start_dockerd()


def refusal() -> str | None:
    if os.environ.get("DOCKYARD_PROVISION", "1").lower() in {"0", "no", "off", "false"}:
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
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )


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
    debs = [PLUGINS[name] for name in missing]
    say(f"adding CLI plugins {', '.join(missing)} from Debian {PLUGIN_SUITE} packages ...")
    with tempfile.TemporaryDirectory(prefix="dockyard-plugins-") as tmp:
        _download_debs(Path(tmp), debs)
        PLUGIN_DIR.mkdir(parents=True, exist_ok=True)
        for deb in Path(tmp).glob("*.deb"):
            subprocess.run(["dpkg", "-x", str(deb), f"{tmp}/root"], check=True)
        for binary in Path(tmp, "root/usr/libexec/docker/cli-plugins").iterdir():
            shutil.copy2(binary, PLUGIN_DIR / binary.name)
    still = missing_plugins()
    if still:
        raise RuntimeError(f"CLI plugins still missing after install: {', '.join(still)}")


def _download_debs(folder: Path, packages: list[str]) -> None:
    """apt-get download from a private source list, so the system's sources stay untouched."""
    sources = folder / "sources.list"
    sources.write_text(f"deb http://deb.debian.org/debian {PLUGIN_SUITE} main\n")
    (folder / "lists/partial").mkdir(parents=True)
    options = [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={folder}/lists",
        f"-oDir::Cache={folder}/cache",
        "-oAPT::Sandbox::User=root",  # the private folder is root's; _apt could not write there
        "-qq",
    ]
    subprocess.run(["apt-get", *options, "update"], check=True)
    subprocess.run(["apt-get", *options, "download", *packages], check=True, cwd=folder)


def _start_dockerd() -> None:
    say(f"starting dockerd in the background (log: {DOCKERD_LOG}) ...")
    with DOCKERD_LOG.open("ab") as log:
        # setsid: the daemon outlives this command and the test run that called it.
        subprocess.Popen(["dockerd"], stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if engine_answers():
            say(f"dockerd answers after {START_TIMEOUT - (deadline - time.monotonic()):.0f} s.")
            return
        time.sleep(1)
    raise EngineUnavailable(f"dockerd did not answer within {START_TIMEOUT} s; see {DOCKERD_LOG}.")


def main() -> None:
    ensure_engine()
    connect().close()
