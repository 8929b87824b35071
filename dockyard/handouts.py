"""Learners' copies of the exercise notebooks: the same tasks, hints and checks, no solutions, no outputs.

The committed notebooks hold the reference solutions (so the test suite proves every one against
its check); a handout drops each `solution-start` ... `solution-end` block and any cell tagged
`solution`, and clears every output.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from dockyard.shell import REPO

EXERCISES = REPO / "exercises"


def _is_marker(cell, directive: str) -> bool:
    return cell.cell_type == "markdown" and "{" + directive + "}" in cell.source


def handout(notebook: Path) -> nbformat.NotebookNode:
    """The learner's copy of one exercise notebook."""
    book = nbformat.read(notebook, as_version=4)
    kept, in_solution = [], False
    for cell in book.cells:
        if _is_marker(cell, "solution-start"):
            in_solution = True
        elif in_solution:
            in_solution = not _is_marker(cell, "solution-end")
        elif "solution" not in cell.metadata.get("tags", []):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            kept.append(cell)
    book.cells = kept
    book.metadata.pop("widgets", None)
    return book


def write(folder: Path) -> list[Path]:
    """Write a handout of every exercise notebook into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook in sorted(EXERCISES.glob("*.ipynb")):
        copy = handout(notebook)
        nbformat.validate(copy)
        target = folder / notebook.name
        nbformat.write(copy, target)
        written.append(target)
    return written
