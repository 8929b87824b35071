"""A notebook killed hard part-way: its cells run in a kernel of their own up to a fixed point between
a quarter and three quarters through, then that kernel gets SIGKILL, as when a laptop's lid closes or
a learner kills the kernel mid-cell. What it leaves is what the next run must cope with."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dockyard.shell import REPO


def kill_point(notebook: str, code_cells: int) -> int:
    """The number of code cells run before the kill: fixed per notebook so a failure repeats."""
    low, high = max(1, code_cells // 4), max(2, 3 * code_cells // 4)
    return low + int(hashlib.sha256(notebook.encode()).hexdigest(), 16) % (high - low)


def run_then_kill(path: Path) -> int:
    """Run the notebook's code cells up to its kill point, then SIGKILL the kernel; returns that point."""
    name = str(path.resolve().relative_to(REPO))
    client = NotebookClient(nbformat.read(path, as_version=4), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO)}})
    code = [index for index, cell in enumerate(client.nb.cells) if cell.cell_type == "code"]
    stop = kill_point(name, len(code))
    with client.setup_kernel():
        for index in code[:stop]:
            client.execute_cell(client.nb.cells[index], index)
        os.kill(client.km.provisioner.process.pid, signal.SIGKILL)
    return stop


def resets_after_kill(name: str) -> bool:
    """About a quarter of the notebooks, fixed: after the kill, `python -m dockyard reset --chapter`
    clears them, instead of the next run's first cell."""
    return int(hashlib.sha256(f"reset {name}".encode()).hexdigest(), 16) % 4 == 0
