"""Running `python -m dockyard ...` as a learner or an instructor types it, from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys

from dockyard.shell import REPO


def dockyard(*args: str, env: dict | None = None, ok: bool | None = True, timeout: float = 300
             ) -> subprocess.CompletedProcess:
    """Run the CLI; with ok=True (or False) assert it exits 0 (or not)."""
    done = subprocess.run([sys.executable, "-m", "dockyard", *args], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)
    if ok is not None:
        assert (done.returncode == 0) == ok, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done
