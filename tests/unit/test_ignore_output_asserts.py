"""A cell whose output nbval does not compare (`nbval-ignore-output`) still proves what its output must
show: the cell itself, or its own proof cell right after it (id `<cell id>-proof`, as
`python -m tools.prooftags --split` makes them), holds an `assert`, or a call of a claim helper
(`verified(...)`, `dockyard.expect(...)`), which asserts. Only that one cell counts: a check further on
could drift away from the output it stands for."""

import ast
from pathlib import Path

import nbformat
import pytest

from dockyard.shell import REPO

NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "exercises").glob("*.ipynb"))
CLAIMS = {"verified", "expect"}
# Cells still to be given their asserts, by notebook and the first line of the cell.
PENDING: dict[str, list[str]] = {}


def checks(source: str) -> bool:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in CLAIMS:
                return True
    return False


def unchecked(notebook: Path) -> list[str]:
    cells = nbformat.read(notebook, as_version=4).cells
    proofs = {cell.id: cell.source for cell in cells if cell.id.endswith("-proof")}
    return [cell.source.splitlines()[0] for cell in cells if cell.cell_type == "code"
            and "nbval-ignore-output" in cell.metadata.get("tags", [])
            and not checks(cell.source) and not checks(proofs.get(f"{cell.id}-proof", ""))]


def name(notebook: Path) -> str:
    return f"{notebook.parent.name}/{notebook.stem}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[name(p) for p in NOTEBOOKS])
def test_every_ignore_output_cell_asserts_what_its_output_shows(notebook):
    assert unchecked(notebook) == PENDING.get(name(notebook), [])


def test_the_check_finds_asserts_and_claims_and_nothing_else():
    assert checks("x = 1\nassert x == 1")
    assert checks("verified(x > 0, 'positive')") and checks("dockyard.expect(x, 'y')")
    assert not checks("print(x)  # assert nothing")
