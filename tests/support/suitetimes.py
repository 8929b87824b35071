"""What the last `make test` spent its time on, read from the JUnit reports it writes
(_build/test-reports/): each step's time, each notebook's and terminal script's, the slowest tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

from dockyard.shell import REPO

REPORTS = REPO / "_build" / "test-reports"
LOCK_LOG = "locks.jsonl"  # make test points DOCKYARD_LOCK_LOG here (dockyard/locks.py)


def _cases(report: Path) -> list[tuple[str, str, float]]:
    return [(case.get("classname", ""), case.get("name", ""), float(case.get("time", 0)))
            for case in ElementTree.parse(report).iter("testcase")]


def step_seconds(report: Path) -> float:
    suites = ElementTree.parse(report).getroot()
    suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
    return float(suite.get("time", 0))


def by_notebook(cases: list[tuple[str, str, float]]) -> Counter:
    """Seconds per notebook (its cells added up) and per terminal script."""
    spent: Counter = Counter()
    for classname, name, seconds in cases:
        if classname.endswith(".ipynb"):
            spent[classname.replace(".", "/", 1)] += seconds  # chapters.03-containers.ipynb
        elif name.startswith("test_the_chapter_runs_in_a_terminal"):
            spent[f"terminal {name.split('[')[-1].rstrip(']')}"] += seconds
    return spent


def lock_turns(log: Path) -> dict[str, tuple[int, float, float]]:
    """Per lock, turns alone and shared turns apart: how many turns, the seconds held in all (shared turns
    overlap, so theirs add up to more than the time they took), the seconds holders waited in all."""
    turns: dict[str, list[float]] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        entry = json.loads(line)
        counts = turns.setdefault(entry["lock"] + (" shared" if entry.get("shared") else ""), [0, 0.0, 0.0])
        counts[0] += 1
        counts[1] += entry["done"] - entry["got"]
        counts[2] += entry["got"] - entry["asked"]
    return {name: (int(n), held, waited) for name, (n, held, waited) in turns.items()}


def report(folder: Path = REPORTS, slowest: int = 10) -> None:
    reports = sorted(folder.glob("*.xml"))
    if not reports:
        print(f"no test reports in {folder}: run make test first")
        return
    cases = [case for path in reports for case in _cases(path)]
    print("last make test, wall time of each step:")
    for path in reports:
        print(f"  {path.stem:28} {step_seconds(path):7.0f} s")
    print("notebooks and terminal scripts (time of their tests):")
    for what, seconds in by_notebook(cases).most_common():
        print(f"  {what:40} {seconds:7.1f} s")
    print("locks (a build whose steps are read holds the build lock alone; other builds share it):")
    for name, (turns, held, waited) in sorted(lock_turns(folder / LOCK_LOG).items()):
        print(f"  {name:28} {turns:4} turns, held {held:6.0f} s in all, waited for {waited:6.0f} s in all")
    print(f"the {slowest} slowest tests:")
    for classname, name, seconds in sorted(cases, key=lambda case: -case[2])[:slowest]:
        print(f"  {seconds:7.1f} s  {classname}::{name}")
