"""A build cell's stored output is what `docker build` of its Dockerfile gives today: the test runs the
cell's command itself, with the real CLI, reads the log through the formatter the cells use and
compares through nbval's sanitizer, as nbval compares the cell."""

import uuid

import nbformat
import pytest

import dockyard
from dockyard import buildkit, terminal
from dockyard.shell import REPO, run
from tests.unit.test_sanitize_rules import RULES, sanitize

NOTEBOOK = REPO / "chapters" / "04-dockerfile.ipynb"
TAG = "dockyard/dockerfile-workdir:1"  # three steps, --no-cache, a heredoc: about a second warm
LABEL = "dockyard.chapter=dockerfile"


def stored_cell() -> tuple[str, str]:
    """The cell's command line and its stored output."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and f"-t {TAG} " in cell.source:
            (command,) = terminal.cell_commands(cell.source)
            return command, "".join(output.get("text", "") for output in cell.outputs)
    raise LookupError(f"no cell of {NOTEBOOK.name} builds {TAG}")


@pytest.fixture(scope="module")
def built(client):
    unique = f"dockyard-unit-{uuid.uuid4().hex[:8]}"
    command, stored = stored_cell()
    ours = {TAG: f"dockyard/{unique}:1", LABEL: f"dockyard.chapter={unique}"}
    for theirs, mine in ours.items():
        command, stored = command.replace(theirs, mine), stored.replace(theirs, mine)
    try:
        ran = run(buildkit.plain(command), check=False)
        yield ran, command, stored
    finally:
        dockyard.cleanup(client, unique, images=True)


def test_the_stored_build_output_is_what_docker_build_prints_today(built):
    ran, command, stored = built
    assert ran.returncode == 0, ran.output[-2000:]
    assert ran.lines()[0].startswith("#0 building with")  # the real CLI's plain log
    fresh = "\n".join(buildkit.render(buildkit.parse(command, ran.output))) + "\n"
    assert sanitize(fresh, RULES) == sanitize(stored, RULES)


def test_the_cell_says_what_its_lines_are(built):
    _, command, stored = built
    assert stored.splitlines()[:1] == [f"$ {command.splitlines()[0]}"]
    assert buildkit.VIEW in stored.splitlines()
    assert "--progress" not in command  # the cell shows what a learner types
