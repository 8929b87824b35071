"""A notebook killed hard part-way (its kernel and its client), then run again from the top, passes
with no cleanup by hand; and `python -m dockyard reset` after such a kill leaves nothing labelled.

Slow (about two runs of every notebook): `make reliability` runs it, not `make test`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import dockyard
from tests.support import census

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("chapters/*.ipynb"),
                                                      *ROOT.glob("exercises/*.ipynb")])


def kill_point(notebook: str, code_cells: int) -> int:
    """A cell between a quarter and three quarters through, fixed per notebook so a failure repeats."""
    low, high = max(1, code_cells // 4), max(2, 3 * code_cells // 4)
    return low + int(hashlib.sha256(notebook.encode()).hexdigest(), 16) % (high - low)


def client_for(notebook: str) -> NotebookClient:
    source = nbformat.read(ROOT / notebook, as_version=4)
    return NotebookClient(source, timeout=600, kernel_name="python3",
                          resources={"metadata": {"path": str(ROOT)}})


def run_then_kill(notebook: str) -> int:
    """Run the notebook's cells up to its kill point, then SIGKILL the kernel, mid-notebook."""
    client = client_for(notebook)
    code = [index for index, cell in enumerate(client.nb.cells) if cell.cell_type == "code"]
    stop = kill_point(notebook, len(code))
    with client.setup_kernel():
        for index in code[:stop]:
            client.execute_cell(client.nb.cells[index], index)
        os.kill(client.km.provisioner.process.pid, signal.SIGKILL)
    return stop


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_killed_part_way_then_run_again_it_passes(client, notebook):
    before = census.take(client)
    stopped = run_then_kill(notebook)
    print(f"{notebook}: killed after code cell {stopped}")
    client_for(notebook).execute()  # raises on any cell error not tagged raises-exception
    assert census.left_by(client, before) == {}


@pytest.mark.parametrize("notebook", NOTEBOOKS[:: max(1, len(NOTEBOOKS) // 4)])
def test_reset_after_a_kill_leaves_nothing_labelled(client, notebook):
    run_then_kill(notebook)
    done = subprocess.run([sys.executable, "-m", "dockyard", "reset"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert dockyard.leftovers(client) == []
