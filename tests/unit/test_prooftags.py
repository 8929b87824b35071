"""The book hides proof and bookkeeping, and only those: the rule of tools/prooftags.py, on every notebook."""

from __future__ import annotations

import json

import nbformat
import pytest

from tools import prooftags

HIDING = set(prooftags.HIDING) | {"remove-input", "hide-output"}


def code(source: str, tags: list[str] | None = None, **metadata):
    return nbformat.v4.new_code_cell(source, metadata={**metadata, **({"tags": tags} if tags else {})})


@pytest.mark.parametrize("path", prooftags.notebooks(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_proof_and_bookkeeping_cell_carries_its_hiding_tag(path):
    """A cell whose statements are only asserts, verified(...) calls or bookkeeping is hidden in the book
    and collapsed in JupyterLab; `python -m tools.prooftags` writes what is missing."""
    missing = []
    for cell in nbformat.read(path, as_version=4).cells:
        tag = prooftags.wanted(cell)
        if tag and (tag not in cell.metadata.get("tags", [])
                    or not cell.metadata.get("jupyter", {}).get("source_hidden")):
            missing.append(f"{cell.id}: {tag}")
    assert missing == [], "run python -m tools.prooftags"


@pytest.mark.parametrize("path", prooftags.notebooks(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_docker_step_and_no_exercise_cell_is_hidden(path):
    """The page leads with the action: a cell that names its command lines stays, tabs and output."""
    hidden = [cell.id for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
              and HIDING & set(cell.metadata.get("tags", []))
              and (prooftags.is_step(cell.source) or prooftags.EXERCISE_TAGS & set(cell.metadata["tags"]))]
    assert hidden == []


@pytest.mark.parametrize("path", prooftags.notebooks(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_a_removed_cell_prints_nothing(path):
    """remove-cell takes a cell's output off the page too: only cells that print nothing carry it."""
    printing = [cell.id for cell in nbformat.read(path, as_version=4).cells
                if "remove-cell" in cell.metadata.get("tags", []) and cell.get("outputs")]
    assert printing == []


@pytest.mark.parametrize(("source", "tag"), [
    ('assert client.images.list(filters=ours) == []', "remove-cell"),
    ('assert median["good-order"] < median["bad-order"]', "hide-cell"),
    ('verified(uid != "0", "the app runs as a user other than root")', "hide-cell"),
    ('if engine_version(client) >= (28,):\n    verified(len(warnings) == 2, "flagged")', "hide-cell"),
    ('import json\n\ndockyard.claim(client, "container", "dockyard-x-web")', "remove-cell"),
    ('dockyard.cleanup(client, CHAPTER)  # clear what an earlier run left', "remove-cell"),
    ('print(f"took {seconds:.1f} s")\nassert seconds < 120', "hide-input"),
    ('import time\n\n\ndef poll(x):\n    while not x():\n        time.sleep(1)', "hide-cell"),
    ('seen = {}\n\n\ndef poll(x):\n    while not x():\n        seen[x] = 1', "hide-cell"),
    ('def pid1(container):\n    return container.exec_run(["cat", "/proc/1/cmdline"]).output', None),
    ('print(sorted(app.tags))', None),
    ('# $ docker rm -f dockyard-x-web\nweb.remove(force=True)\nassert not client.containers.list()', None),
    ('first = dockyard.build("docker build -t dockyard/x:1 sample-app")\nassert first', None),
    ('x = 1\nassert x', None),
])
def test_the_rule(source, tag):
    assert prooftags.wanted(code(source)) == tag


def test_exercise_cells_keep_their_shape():
    assert prooftags.wanted(code('assert True', tags=["solution"])) is None
    assert prooftags.wanted(code('dockyard.check(client, "ex01-1")', tags=["check"])) is None


def notebook(*cells):
    book = nbformat.v4.new_notebook()
    book.cells = list(cells)
    return book


def test_split_moves_the_asserts_of_a_step_and_changes_no_output():
    end = "2026-12-07T06:00:01.000000Z"
    step = code('# $ docker tag a b\n# the tag names the same image\nassert image.id\nimage.tag("b")\n'
                'print(sorted(image.tags))\nassert "b" in image.tags  # one more',
                execution={"iopub.execute_input": "2026-12-07T06:00:00.000000Z", "shell.execute_reply": end})
    step.id = "abc123"
    step.outputs = [nbformat.v4.new_output("stream", name="stdout", text="['a', 'b']\n")]
    before = json.dumps(step.outputs)
    book = notebook(step)
    assert prooftags.split(book) == ["abc123-proof"]
    moved, proof = book.cells
    assert moved.source == '# $ docker tag a b\nimage.tag("b")\nprint(sorted(image.tags))'
    assert json.dumps(moved.outputs) == before
    assert proof.source == ('# the tag names the same image\nassert image.id\n'
                            'assert "b" in image.tags  # one more')
    assert proof.outputs == [] and proof.metadata["tags"] == ["remove-cell"]
    assert proof.metadata["jupyter"] == {"source_hidden": True}
    assert set(proof.metadata["execution"].values()) == {end}, "it takes no time of its own"
    assert prooftags.split(book) == [], "a second run finds nothing to move"


@pytest.mark.parametrize("source", [
    'x = 1; assert x',  # shares a line
    'assert (n := len(items))\nprint(n)',  # binds a name the cell reads afterwards
    'assert x',  # a cell of proof already: tagged, not split
])
def test_split_leaves_what_it_cannot_move_safely(source):
    cell = code("# $ docker ps\n" + source)
    book = notebook(cell)
    assert prooftags.split(book) == [] and book.cells == [cell]


def test_split_leaves_cells_that_are_expected_to_fail():
    cell = code("# $ docker rm x\nclient.containers.get('x').remove()\nassert False",
                tags=["raises-exception"])
    assert prooftags.split(notebook(cell)) == []
