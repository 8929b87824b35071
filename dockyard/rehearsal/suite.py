"""What a rehearsal runs against its engine: the course's image preparation, then the test suite."""

from __future__ import annotations

import sys

# The engine's part of `make test`: unit tests (exercise checks against wrong and right states),
# every notebook under strict nbval, every chapter's terminal script, and the final leftover and
# safety checks. tests/book and tests/lab test the book in a browser, not the engine, so they stay out.
DEFAULT_TESTS = ["tests/unit", "--nbval", "chapters", "exercises", "tests/terminal", "tests/final"]


def environment(host: str, platform: str) -> dict[str, str]:
    """What every command of the rehearsal sees: the second engine, the platform, and no provisioning
    (nothing may install or start the main engine from inside a rehearsal)."""
    return {"DOCKER_HOST": host, "DOCKER_DEFAULT_PLATFORM": platform, "DOCKYARD_PROVISION": "0"}


def prepare_command() -> list[str]:
    return [sys.executable, "-m", "dockyard", "images", "prepare"]


def pytest_command(tests: list[str] | None = None) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *(tests or DEFAULT_TESTS)]
