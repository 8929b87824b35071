"""How make test shares its tests among the workers (pytest-xdist, `--dist loadfile`).

A test file goes to one worker whole, so its module-scoped fixtures (an exercise's variant images) are
set up once, and a notebook's cells run in order on one worker; but each chapter's terminal script is a
unit of its own, so no worker runs all ten in a row (`Scheduler`). In the first step the units are
handed out longest first, so that no worker starts a long one while the others are finishing
(`arrange`, with `--no-loadscope-reorder`, which keeps that order instead of xdist's, by test count):
LONGEST_FIRST names them in the order `make bench` measured; a unit not named there follows them in
collection order. A stale list costs only balance, never a test. Notebook cells keep the order
tests/support/plugin.py gives them.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

SCRIPTS = "tests/terminal/test_scripts.py::"
# Longest first, as make bench measured them in a make test of fe3eef3 (2026-12-07), the terminal scripts
# of 04 and 08 again once the cache could answer their builds (tests/terminal/test_scripts.py).
LONGEST_FIRST = (
    "tests/unit/test_checks_ex08.py",  # 307 s
    "tests/unit/test_checks_ex07.py",  # 213 s
    "tests/unit/test_checks_ex09.py",  # 197 s
    "tests/unit/test_checks_ex04.py",  # 164 s
    "tests/unit/test_checks_ex02.py",  # 135 s
    "tests/unit/test_checks_ex05.py",  # 113 s
    "tests/book/test_pages.py",  # 112 s
    "tests/terminal/test_course_listings.py",  # 86 s
    "tests/unit/test_checks_ex03.py",  # 84 s
    "tests/unit/test_checks_ex06.py",  # 76 s
    f"{SCRIPTS}test_the_chapter_runs_in_a_terminal_and_leaves_nothing[07-compose]",  # 71 s
    "tests/unit/test_instructor_guide.py",  # 69 s
    f"{SCRIPTS}test_the_chapter_runs_in_a_terminal_and_leaves_nothing[04-dockerfile]",  # 58 s
    "tests/unit/test_reset.py",  # 52 s
    "tests/unit/test_checks_ex01.py",  # 51 s
    f"{SCRIPTS}test_the_chapter_runs_in_a_terminal_and_leaves_nothing[09-production]",  # 50 s
)


def unit(nodeid: str) -> str:
    """What goes to one worker whole: a terminal script's test, or the file of any other test."""
    return nodeid if nodeid.startswith(SCRIPTS) else nodeid.split("::", 1)[0]


class Scheduler(LoadFileScheduling):
    """xdist's loadfile, with each terminal script a unit of its own."""

    def _split_scope(self, nodeid: str) -> str:
        return unit(nodeid)


def arrange(items: list[pytest.Item], is_notebook_cell) -> None:
    """Put the tests' units longest first; notebook cells stay where they are."""
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    tests = [item for item in items if not is_notebook_cell(item)]
    ordered = iter(sorted(tests, key=lambda item: rank.get(unit(item.nodeid), len(rank))))  # stable
    items[:] = [item if is_notebook_cell(item) else next(ordered) for item in items]
