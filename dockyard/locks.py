"""Turns for work that must not overlap when tests run side by side (`make test` runs two pytest
workers). File locks: they hold across processes and go with the process that held them, however it
ends. Each engine (DOCKER_HOST) has its own, since work on two engines never meets. A learner running
one notebook never waits on them.

- A chapter's lock: two tests that run the same chapter, a notebook and its terminal script say, use
  the same labels and names, so one's cleanup would remove what the other just made.
- The build lock: BuildKit merges identical steps of builds that run at the same time and may then
  report a shared step to one of them only, and a lesson prints the steps its build reports. So a
  build whose steps are read (a lesson's command lines in shell.py, Compose's up and build in
  compose.py) holds the lock alone. Builds whose steps nobody reads (the terminal scripts' commands,
  through a `docker` that takes the same lock file with `flock -s`, tests/support/bin/docker, and the
  tests' builds inside `sharing_builds()`) hold it shared: they run side by side, never beside a
  build that holds it alone.
- The sample app's cache: a `--no-cache` build of `sample-app/` records new layers for its Dockerfile's
  steps, and a cached rebuild may then answer from those rather than from its own first build's. The
  notebooks that make such builds take turns, each from its first cell to its last
  (tests/support/plugin.py), since Images shows that a rebuild gives back the first build's layers.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FOLDER = Path(tempfile.gettempdir()) / "dockyard-locks"


def _folder() -> Path:
    engine = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return FOLDER / hashlib.sha256(engine.encode()).hexdigest()[:12]


def path(name: str) -> Path:
    """The file of the named lock (its folder made), for holders outside Python too (`flock`)."""
    _folder().mkdir(parents=True, exist_ok=True)
    return _folder() / f"{name}.lock"


@contextmanager
def _held(name: str, shared: bool = False) -> Iterator[None]:
    asked = time.time()
    with path(name).open("w") as lock:
        # waits for the holder (for a shared turn, only a holder alone); released when the file closes
        fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        got = time.time()
        try:
            yield
        finally:
            _account(name, asked, got, shared)


def _account(name: str, asked: float, got: float, shared: bool = False) -> None:
    """With DOCKYARD_LOCK_LOG set (make test sets it), add a line to that file: which lock, and when it
    was asked for, got and let go. `make bench` adds them up: the time builds spent taking turns."""
    log = os.environ.get("DOCKYARD_LOCK_LOG")
    if log:
        with open(log, "a") as lines:
            lines.write(json.dumps({"lock": name, "asked": asked, "got": got, "done": time.time(),
                                    "shared": shared}) + "\n")


def chapter(label: str):
    """Hold the lock of the chapter with this label until the block ends."""
    return _held(f"chapter-{label}")


def sample_app_cache():
    """Hold the turn of the notebooks that build sample-app/ with --no-cache until the block ends."""
    return _held("sample-app-cache")


BUILDS = "builds"
_sharing = False  # set by sharing_builds(): this process's builds are ones whose steps nobody reads


def builds():
    """Hold the build lock until the block ends: alone, or shared inside sharing_builds()."""
    return _held(BUILDS, shared=_sharing)


@contextmanager
def sharing_builds() -> Iterator[None]:
    """Within the block, this process's builds share the build lock with other such builds (a test
    that checks images, not the steps a build reported). Outside it, the default, a build holds it alone."""
    global _sharing
    before, _sharing = _sharing, True
    try:
        yield
    finally:
        _sharing = before


def for_command(command: str):
    """The build lock for a command line that may run a BuildKit build; no lock for any other."""
    return builds() if is_build(command) else contextlib.nullcontext()


def is_build(command: str) -> bool:
    """True for a command line that may run a BuildKit build: docker build, or Compose's up or build."""
    words = command.split()
    return words[:2] in (["docker", "build"], ["docker", "buildx"]) or (
        words[:2] == ["docker", "compose"] and ("up" in words or "build" in words))
