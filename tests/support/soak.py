"""`python -m tests.support.soak`: every notebook, strict nbval, several runs in a row; then each cell that
failed even once, with how often. Zero is the bar: a cell that failed once has a race to find."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

from dockyard.shell import REPO


def failures(report: Path) -> list[str]:
    """The test ids that failed or errored in one junit XML report."""
    tree = ElementTree.parse(report)
    return [f"{case.get('classname')}::{case.get('name')}" for case in tree.iter("testcase")
            if case.find("failure") is not None or case.find("error") is not None]


def soak(runs: int, paths: list[str], seed_base: int, workers: int = 2) -> Counter:
    failed: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="dockyard-soak-") as folder:
        for run in range(1, runs + 1):
            report = Path(folder) / f"run{run}.xml"
            started = time.monotonic()
            # each run in its own shuffled order: a flake that hides in one order shows in another
            subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider",
                            "--notebook-order", "shuffle", "--notebook-seed", str(seed_base + run),
                            "-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder",
                            f"--junitxml={report}", *paths], cwd=REPO, check=False)
            this_run = failures(report)
            failed.update(this_run)
            print(f"[soak] run {run}/{runs}: {len(this_run)} failed, {time.monotonic() - started:.0f} s")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.soak", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1000, help="run N uses seed + N for its order")
    parser.add_argument("--workers", type=int, default=3, help="pytest-xdist workers (0: one process)")
    parser.add_argument("paths", nargs="*", default=["chapters", "exercises"])
    args = parser.parse_args(argv)
    failed = soak(args.runs, args.paths, args.seed, args.workers)
    for test, count in failed.most_common():
        print(f"[soak] failed {count} of {args.runs} runs: {test}")
    print(f"[soak] {len(failed)} cells failed at least once in {args.runs} runs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
