"""With no engine where DOCKER_HOST points, each notebook's first cell and the test command say the one
clear message within seconds; nothing hangs and no traceback buries it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "unix:///var/run/dockyard-nothing-listens.sock"
MESSAGE = "Dockyard could not reach a Docker engine"
NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("chapters/*.ipynb"),
                                                      *ROOT.glob("exercises/*.ipynb")])


@pytest.fixture
def no_engine(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", NOWHERE)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_first_cell_says_the_engine_is_down(no_engine, notebook):
    source = nbformat.read(ROOT / notebook, as_version=4)
    first = next(cell for cell in source.cells if cell.cell_type == "code")
    first.outputs = []
    single = nbformat.v4.new_notebook(cells=[first], metadata=source.metadata)
    started = time.monotonic()
    with pytest.raises(CellExecutionError) as failed:
        NotebookClient(single, timeout=30, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
                       ).execute()
    assert time.monotonic() - started < 20  # a kernel's start included
    assert "EngineUnavailable" in str(failed.value) and MESSAGE in str(failed.value)
    assert NOWHERE in str(failed.value), "the message names where it looked"


def test_the_test_command_says_it_once_per_notebook(no_engine):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-rN", "-p", "no:cacheprovider",
                           "chapters/01-why-containers.ipynb", "chapters/03-containers.ipynb"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DOCKER_HOST": NOWHERE})
    assert done.returncode != 0
    assert done.stdout.count(MESSAGE) == 2, done.stdout[-2000:]
    assert "Traceback" not in done.stdout
    assert time.monotonic() - started < 60
