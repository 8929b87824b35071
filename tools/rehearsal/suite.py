"""What a rehearsal runs against its engine: the course's image preparation, then the test suite."""

from __future__ import annotations

import sys

# The engine's part of `make test`, in its steps: unit tests (exercise checks against wrong and right
# states) and every chapter's terminal script on two workers; every notebook under strict nbval,
# recorded, on two workers; then tests/final judging that run. tests/book and tests/lab test the book
# in a browser, not the engine, so they stay out; so do make test's killed first runs (--kill-first),
# which prove the course's cleanup, not the engine, and would add a third to the notebooks' time
# under emulation.
PARALLEL = ["-n", "2", "--dist", "loadfile"]
STEPS = [
    [*PARALLEL, "tests/unit", "tests/terminal"],
    [*PARALLEL, "--record-run", "--nbval", "chapters", "exercises"],
    ["tests/final"],
]


def environment(host: str, platform: str) -> dict[str, str]:
    """What every command of the rehearsal sees: the second engine, the platform, and no provisioning
    (nothing may install or start the main engine from inside a rehearsal)."""
    return {"DOCKER_HOST": host, "DOCKER_DEFAULT_PLATFORM": platform, "DOCKYARD_PROVISION": "0"}


def prepare_command() -> list[str]:
    return [sys.executable, "-m", "dockyard", "images", "prepare"]


def pytest_commands(tests: list[str] | None = None) -> list[list[str]]:
    """The pytest runs, in order: the steps above, or one run of the given arguments."""
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    return [[*pytest, *tests]] if tests else [[*pytest, *step] for step in STEPS]
