"""With no engine where DOCKER_HOST points, each notebook's first cell says the one clear message within
seconds; nothing hangs and no traceback buries it. (The test command's side: tests/unit/test_plugin.py.)"""

from __future__ import annotations

import ast
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


def first_code_cell(notebook: str):
    source = nbformat.read(ROOT / notebook, as_version=4)
    return source, next(cell for cell in source.cells if cell.cell_type == "code")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_first_cell_connects_before_anything_else_touches_the_engine(notebook):
    """What the kernel test below proves for one notebook holds for all: their first code cell does
    nothing but import before `client = dockyard.connect()`, so the same message comes first."""
    statements = ast.parse(first_code_cell(notebook)[1].source).body
    lines = [ast.unparse(node) for node in statements]
    connect = lines.index("client = dockyard.connect()")
    assert all(isinstance(node, ast.Import | ast.ImportFrom) for node in statements[:connect])


def test_the_first_cell_says_the_engine_is_down(no_engine):
    source, first = first_code_cell(NOTEBOOKS[-1])
    first.outputs = []
    single = nbformat.v4.new_notebook(cells=[first], metadata=source.metadata)
    started = time.monotonic()
    with pytest.raises(CellExecutionError) as failed:
        NotebookClient(single, timeout=30, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
                       ).execute()
    assert time.monotonic() - started < 20  # a kernel's start included
    assert "EngineUnavailable" in str(failed.value) and MESSAGE in str(failed.value)
    assert NOWHERE in str(failed.value), "the message names where it looked"
    shown = "\n".join(output.get("evalue", "") + "".join(output.get("traceback", []))
                      for output in first.outputs)
    assert "Traceback" not in shown, "one paragraph, no wall"
