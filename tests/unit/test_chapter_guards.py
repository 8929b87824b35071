"""A chapter run for real, against the two things a learner's machine can throw at it."""

import time
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


def test_first_cell_without_engine_gives_the_one_message_fast(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    notebook = nbformat.read(IMAGES, as_version=4)
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    started = time.monotonic()
    with pytest.raises(CellExecutionError) as raised:
        run(notebook, cells=first_code + 1)
    assert time.monotonic() - started < 15  # kernel start included
    shown = outputs(notebook)
    assert "Dockyard could not reach a Docker engine" in shown
    assert "Traceback" not in shown  # one paragraph, no wall
    assert "EngineUnavailable" in str(raised.value)


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
