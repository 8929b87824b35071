"""Learners' copies of the exercise notebooks: the same tasks, hints and checks, no solutions, no outputs.

The committed notebooks hold the reference solutions (so the test suite proves every one against
its check); a handout drops each `solution-start` ... `solution-end` block and any cell tagged
`solution`, and clears every output. The minutes a page states are the book's substitutions
(`{{ ex04_1 }}`, kept in `_config.yml`); Jupyter shows such a name as it stands, so a handout writes
out the figure instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

from dockyard.shell import REPO

EXERCISES = REPO / "exercises"
CONFIG = REPO / "_config.yml"
# `{{ name }}`, a MyST substitution; a Go template such as `{{.Image}}` does not match.
SUBSTITUTION = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def figures() -> dict[str, object]:
    """The book's substitutions, as `python -m tools.minutes` wrote them; none without the book's config."""
    if not CONFIG.exists():
        return {}
    config = yaml.safe_load(CONFIG.read_text()) or {}
    return dict((config.get("parse") or {}).get("myst_substitutions") or {})


def written_out(text: str, values: dict[str, object]) -> str:
    """Each `{{ name }}` the values know, replaced by its value."""
    return SUBSTITUTION.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], text)


def _is_marker(cell, directive: str) -> bool:
    return cell.cell_type == "markdown" and "{" + directive + "}" in cell.source


def handout(notebook: Path) -> nbformat.NotebookNode:
    """The learner's copy of one exercise notebook."""
    book = nbformat.read(notebook, as_version=4)
    values = figures()
    kept, in_solution = [], False
    for cell in book.cells:
        if _is_marker(cell, "solution-start"):
            in_solution = True
        elif in_solution:
            in_solution = not _is_marker(cell, "solution-end")
        elif "solution" not in cell.metadata.get("tags", []):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            elif cell.cell_type == "markdown":
                cell.source = written_out(cell.source, values)
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
