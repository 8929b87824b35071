"""Proof out of the reader's way: which notebook cells the book hides, by one rule.

A page of the book shows each step as the reader would take it: the action, its command, its output,
and the prose around them. The notebooks also hold the proof that keeps each output honest (asserts,
`verified(...)` calls), the bookkeeping a run needs (imports, claims on names, the clean-up of an
earlier run) and the plumbing of waits (polling loops with a deadline). nbval runs all of it; the book
hides it, through myst-nb's cell tags, and JupyterLab collapses its source:

- `remove-cell`: a cell of asserts, claims, imports or clean-up whose code teaches nothing and that
  prints nothing. It runs, and the page leaves it out.
- `hide-cell`: the evidence of a measured claim (an assert holding a relation: `<`, `<=`, `>`, `>=`),
  a cell of `verified(...)` checks (each prints the claim it verified), and cells that only define
  waiting plumbing (names, and a function with a polling loop or an assert). The page shows a "Show code cell
  content" toggle: the proof is one click away.
- `hide-input`: a cell of proof whose printed lines are the step's result (`print(...)` beside
  asserts, nothing else). The output stays on the page, the code behind one click.

A Docker step (a cell that names command lines, `dockyard.terminal.cell_commands`) is never hidden: the
book shows it as Terminal and Python tabs (tools/booktabs.py). Exercise cells (learner, solution,
check, setup) keep the shape the exercise pages give them.

The rule reads the cells' code, so it can be run again whenever notebooks change or branches merge:

    python -m tools.prooftags            # write the tags into every chapter and exercise notebook
    python -m tools.prooftags --check    # list the cells whose tags the rule would change; exit 1 if any
    python -m tools.prooftags --split chapters/02-images.ipynb ...

`--split` first moves the top-level asserts out of each step of the named notebooks into a proof cell of
their own, right after the step (cell id: the step's id + `-proof`). An assert prints nothing, so no
stored output changes; the proof cell takes a zero-length run time at the end of its step's, so the
measured minutes stay what they were. Only notebooks whose sources may change should be split.

Tags and `metadata.jupyter` are the only things the rule writes: sources and outputs stay as they are.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

from dockyard import terminal

ROOT = Path(__file__).resolve().parents[1]
HIDING = ("remove-cell", "hide-cell", "hide-input")
EXERCISE_TAGS = {"learner", "solution", "check", "setup"}
PROOF_CALLS = {"verified", "expect"}
BOOKKEEPING_CALLS = {"claim", "claim_project", "cleanup", "glue"}
RELATIONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def notebooks() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))


def _called(node: ast.AST) -> str | None:
    """The name a call statement calls (`verified`, `dockyard.claim` -> `claim`), or None."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _prints_verified(node: ast.AST) -> bool:
    """`print("verified: ...")` or `print(f"verified: ...")`: the one line a check says."""
    if _called(node) != "print" or not node.value.args:
        return False
    first = node.value.args[0]
    if isinstance(first, ast.JoinedStr) and first.values:
        first = first.values[0]
    return isinstance(first, ast.Constant) and str(first.value).startswith("verified:")


def is_proof(node: ast.AST) -> bool:
    """An assert, a `verified(...)`/`expect(...)` call, its printed line, or an `if` holding only those."""
    if isinstance(node, ast.Assert) or _called(node) in PROOF_CALLS or _prints_verified(node):
        return True
    return isinstance(node, ast.If) and all(is_proof(child) for child in node.body + node.orelse)


def is_bookkeeping(node: ast.AST) -> bool:
    """An import, or a call that claims a name, clears a chapter's objects or glues a number."""
    return isinstance(node, (ast.Import, ast.ImportFrom)) or _called(node) in BOOKKEEPING_CALLS


def _relation(node: ast.AST) -> bool:
    return any(isinstance(op, RELATIONS) for sub in ast.walk(node) if isinstance(sub, ast.Compare)
               for op in sub.ops)


def _polls(node: ast.AST) -> bool:
    return any(isinstance(sub, (ast.While, ast.Assert)) for sub in ast.walk(node))


def _statements(source: str) -> list[ast.stmt] | None:
    try:
        return ast.parse(source).body
    except SyntaxError:  # a cell of shell magics or the like: not ours to judge
        return None


def is_step(source: str) -> bool:
    try:
        return bool(terminal.cell_commands(source))
    except terminal.NotALiteral:
        return True


def wanted(cell) -> str | None:
    """The hiding tag the rule gives a cell, or None when the page shows it as it is."""
    if cell.cell_type != "code" or EXERCISE_TAGS & set(cell.metadata.get("tags", [])):
        return None
    if is_step(cell.source):
        return None
    body = _statements(cell.source)
    if not body:
        return None
    proof = [node for node in body if is_proof(node)]
    if all(is_proof(node) or is_bookkeeping(node) for node in body):
        evidence = any(_relation(node) or not isinstance(node, ast.Assert) for node in proof)
        return "hide-cell" if evidence else "remove-cell"
    definitions = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)
    if all(isinstance(node, definitions) for node in body) and any(
            isinstance(node, ast.FunctionDef) and _polls(node) for node in body):
        return "hide-cell"
    if proof and all(is_proof(node) or _called(node) == "print" for node in body):
        return "hide-input"
    return None


def apply(cell, tag: str) -> bool:
    """Give the cell `tag` (and no other hiding tag), and collapse its source in JupyterLab. True if
    anything changed."""
    before = copy.deepcopy(cell.metadata)
    tags = [t for t in cell.metadata.get("tags", []) if t not in HIDING] + [tag]
    cell.metadata["tags"] = tags
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return cell.metadata != before


def _assert_lines(source: str) -> list[tuple[int, int]] | None:
    """The line ranges (0-based, end exclusive) of the top-level asserts of a cell, each with the
    whole-line comments right above it; None when an assert shares a line with other code or binds a
    name (a walrus), so moving it could change what the cell does."""
    body = _statements(source)
    if body is None:
        return None
    lines = source.splitlines()
    ranges = []
    for index, node in enumerate(body):
        if not isinstance(node, ast.Assert):
            continue
        if any(isinstance(sub, ast.NamedExpr) for sub in ast.walk(node)):
            return None
        start, end = node.lineno - 1, node.end_lineno
        before = body[index - 1].end_lineno if index else 0
        after = body[index + 1].lineno - 1 if index + 1 < len(body) else len(lines)
        if node.col_offset != 0 or before > start or (index and body[index - 1].end_lineno == node.lineno) \
                or (index + 1 < len(body) and body[index + 1].lineno == node.end_lineno) or after < end:
            return None
        while start > before and lines[start - 1].startswith("#") and not lines[start - 1].startswith(
                (terminal.PROMPT, terminal.CONTINUED)):
            start -= 1
        ranges.append((start, end))
    return ranges


def split(notebook) -> list[str]:
    """Move the top-level asserts of each step (and of each cell that also does something else) into a
    proof cell right after it. Returns the ids of the cells it made."""
    made = []
    cells = []
    for cell in notebook.cells:
        cells.append(cell)
        if cell.cell_type != "code" or EXERCISE_TAGS & set(cell.metadata.get("tags", [])) \
                or "raises-exception" in cell.metadata.get("tags", []) or wanted(cell):
            continue
        ranges = _assert_lines(cell.source)
        body = _statements(cell.source) or []
        if not ranges or len(ranges) == len(body):
            continue
        lines = cell.source.splitlines()
        moved = {number for start, end in ranges for number in range(start, end)}
        kept = [line for number, line in enumerate(lines) if number not in moved]
        while kept and not kept[-1].strip():
            kept.pop()
        cell.source = "\n".join(kept)
        proof = nbformat.v4.new_code_cell("\n".join(lines[number] for number in sorted(moved)))
        proof.id = f"{cell.id}-proof"
        end = cell.metadata.get("execution", {}).get("shell.execute_reply")
        if end:
            proof.metadata["execution"] = dict.fromkeys(
                ("iopub.execute_input", "iopub.status.busy", "iopub.status.idle", "shell.execute_reply"), end)
        apply(proof, wanted(proof) or "remove-cell")
        cells.append(proof)
        made.append(proof.id)
    notebook.cells = cells
    return made


def tag(notebook) -> dict[str, str]:
    """Write the rule's tag into every cell that wants one; returns {cell id: tag} of the cells changed."""
    return {cell.id: tag for cell in notebook.cells if (tag := wanted(cell)) and apply(cell, tag)}


def table() -> dict[str, dict[str, str]]:
    """{notebook: {cell id: tag}} for every cell the rule hides, in page order."""
    found = {}
    for path in notebooks():
        cells = nbformat.read(path, as_version=4).cells
        found[str(path.relative_to(ROOT))] = {cell.id: tag for cell in cells if (tag := wanted(cell))}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell's tags differ")
    parser.add_argument("--split", nargs="*", default=[], metavar="NOTEBOOK",
                        help="first move the asserts of these notebooks' steps into proof cells")
    args = parser.parse_args(argv)
    differ = 0
    for path in notebooks():
        notebook = nbformat.read(path, as_version=4)
        made = split(notebook) if path.resolve() in {Path(p).resolve() for p in args.split} else []
        changed = tag(notebook)
        for cell_id in made:
            print(f"{path.relative_to(ROOT)}: {cell_id} made")
        for cell_id, hiding in changed.items():
            print(f"{path.relative_to(ROOT)}: {cell_id} {hiding}")
        differ += len(changed)
        if (made or changed) and not args.check:
            nbformat.write(notebook, path)
    return 1 if args.check and differ else 0


if __name__ == "__main__":
    sys.exit(main())
