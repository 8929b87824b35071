"""`python -m dockyard progress` and `handouts`, as a learner and an instructor run them."""

import json
import subprocess
import sys

from dockyard import progress
from dockyard.shell import REPO


def dockyard_cli(*args, env_progress):
    done = subprocess.run([sys.executable, "-m", "dockyard", *args], cwd=REPO, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "DOCKYARD_PROGRESS": str(env_progress)}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_progress_says_nothing_passed_then_lists_passes_as_a_table_and_json(tmp_path, monkeypatch):
    record = tmp_path / "progress.json"
    assert "no exercise passed yet" in dockyard_cli("progress", env_progress=record)
    monkeypatch.setenv("DOCKYARD_PROGRESS", str(record))
    progress.record("ex03-2")
    progress.record("ex01-1")
    table = dockyard_cli("progress", env_progress=record)
    assert "Exercises passed: 2" in table and "ex01-1" in table and "ex03-2" in table
    entries = json.loads(dockyard_cli("progress", "--json", env_progress=record))
    assert [(e["chapter"], e["task"]) for e in entries] == [("ex01", "ex01-1"), ("ex03", "ex03-2")]


def test_handouts_are_written_for_every_exercise_notebook(tmp_path):
    out = dockyard_cli("handouts", str(tmp_path / "handouts"), env_progress=tmp_path / "p.json")
    written = sorted(path.name for path in (tmp_path / "handouts").glob("*.ipynb"))
    assert written == sorted(path.name for path in (REPO / "exercises").glob("*.ipynb"))
    assert out.count("wrote ") == len(written)
