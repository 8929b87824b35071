"""A cell whose output nbval does not compare (`nbval-ignore-output`) still proves what its output must
show: the cell itself, or its own proof cell right after it (id `<cell id>-proof`, as
`python -m tools.prooftags --split` makes them), holds an `assert`, or a call of a claim helper
(`verified(...)`, `dockyard.expect(...)`), which asserts. Only that one cell counts: a check further on
could drift away from the output it stands for.

A cell tagged `dockyard-store-output` has its output compared only on the image store the outputs were
recorded on (tests/support/plugin.py); on the other store the same holds of it, with the proof cell
right after it (the next code cell) counting as its own."""

import ast
from itertools import pairwise
from pathlib import Path

import nbformat
import pytest

from dockyard.shell import REPO
from tests.support.plugin import STORE_OUTPUT

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
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    proofs = {cell.id: cell.source for cell in cells if cell.id.endswith("-proof")}
    following = {cell.id: after.source for cell, after in pairwise(cells)}
    unchecked = []
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        if "nbval-ignore-output" not in tags and STORE_OUTPUT not in tags:
            continue
        proofs_of_it = [proofs.get(f"{cell.id}-proof", "")]
        if STORE_OUTPUT in tags:
            proofs_of_it.append(following.get(cell.id, ""))
        if not checks(cell.source) and not any(checks(proof) for proof in proofs_of_it):
            unchecked.append(cell.source.splitlines()[0])
    return unchecked


def name(notebook: Path) -> str:
    return f"{notebook.parent.name}/{notebook.stem}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[name(p) for p in NOTEBOOKS])
def test_every_ignore_output_cell_asserts_what_its_output_shows(notebook):
    assert unchecked(notebook) == PENDING.get(name(notebook), [])


def test_a_store_output_cell_counts_the_proof_cell_after_it(tmp_path):
    notebook = nbformat.v4.new_notebook()
    step = nbformat.v4.new_code_cell("print(push())", metadata={"tags": [STORE_OUTPUT]})
    notebook.cells = [step, nbformat.v4.new_code_cell("verified(pushed, 'sent')")]
    nbformat.write(notebook, tmp_path / "proved.ipynb")
    assert unchecked(tmp_path / "proved.ipynb") == []
    notebook.cells = [step, nbformat.v4.new_code_cell("print('no claim')")]
    nbformat.write(notebook, tmp_path / "unproved.ipynb")
    assert unchecked(tmp_path / "unproved.ipynb") == ["print(push())"]


def test_the_check_finds_asserts_and_claims_and_nothing_else():
    assert checks("x = 1\nassert x == 1")
    assert checks("verified(x > 0, 'positive')") and checks("dockyard.expect(x, 'y')")
    assert not checks("print(x)  # assert nothing")
