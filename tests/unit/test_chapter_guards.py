"""A chapter run for real, against the two things a learner's machine can throw at it."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import dockyard
from dockyard import locks

IMAGES = Path(__file__).resolve().parents[2] / "chapters" / "02-images.ipynb"


def run(notebook, cells=None, timeout=300):
    if cells is not None:
        notebook.cells = notebook.cells[:cells]
    NotebookClient(notebook, timeout=timeout, resources={"metadata": {"path": str(IMAGES.parent)}}).execute()
    return notebook


def outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    return "\n".join(texts)


def test_a_learners_container_holding_a_chapter_name_is_left_alone(client, slowdown):
    with locks.chapter("images"):  # the terminal track may run the Images chapter beside it
        theirs = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], detach=True, init=True,
                                       name="dockyard-images-1-0")  # a name the Images chapter needs
        try:
            notebook = nbformat.read(IMAGES, as_version=4)
            with pytest.raises(CellExecutionError) as raised:
                run(notebook, timeout=300 * slowdown)
            assert "NameTaken" in str(raised.value)
            assert "container name 'dockyard-images-1-0' is already used" in outputs(notebook)
            theirs.reload()
            assert theirs.status == "running"
            assert client.containers.get("dockyard-images-1-0").id == theirs.id
        finally:
            theirs.remove(force=True)
            dockyard.cleanup(client, "images", images=True)
