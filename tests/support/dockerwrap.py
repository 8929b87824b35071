"""The environment of a shell script the suite runs, with tests/support/bin/docker first on its PATH:
the script's builds take the same build lock as the course's builds in Python (dockyard/locks.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dockyard import buildkit, locks

BIN = Path(__file__).resolve().parent / "bin"


def script_env(env: dict[str, str], shared: bool = False) -> dict[str, str]:
    """`env` with the wrapping `docker` first on PATH, and the real CLI and the lock file it uses;
    `shared` for a script whose build steps nobody reads (its builds share the lock with such others)."""
    path = env.get("PATH", os.defpath)
    # the wrapper itself is never the real CLI, or it would call itself
    elsewhere = os.pathsep.join(part for part in path.split(os.pathsep) if Path(part) != BIN)
    real = shutil.which("docker", path=elsewhere)
    if real is None:
        raise FileNotFoundError("no docker CLI on PATH for the script to run")
    return {**env, "PATH": f"{BIN}{os.pathsep}{path}", "DOCKYARD_DOCKER": real,
            "DOCKYARD_BUILD_LOCK": str(locks.path(locks.BUILDS)),
            "DOCKYARD_BUILD_LOCK_SHARED": "1" if shared else "",
            # the build race the wrapper runs once more, as dockyard.build names it (a grep pattern too)
            "DOCKYARD_SNAPSHOT_RACE": buildkit.SNAPSHOT_RACE.pattern}
