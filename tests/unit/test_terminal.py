import nbformat
import pytest

from dockyard import terminal


def test_comment_lines_and_their_continuations_are_commands():
    source = (
        "# $ docker run -d --name dockyard-x-web \\\n"
        "#     --label dockyard.chapter=x debian:bookworm-slim sleep infinity\n"
        "# a remark, not a command\n"
        "# $ docker ps\n"
        "print('done')\n"
    )
    assert terminal.cell_commands(source) == [
        "docker run -d --name dockyard-x-web \\\n"
        "  --label dockyard.chapter=x debian:bookworm-slim sleep infinity",
        "docker ps",
    ]


def test_a_heredoc_body_is_part_of_its_command():
    source = "# $ docker build -t x - <<'EOF'\n#   FROM debian:bookworm-slim\n#   EOF\nx = 1\n"
    assert terminal.cell_commands(source) == ["docker build -t x - <<'EOF'\nFROM debian:bookworm-slim\nEOF"]


def test_sh_and_build_calls_give_their_literal_command_in_line_order():
    source = (
        "# $ docker volume ls\n"
        "dockyard.sh(\"docker ps -a\")\n"
        "result = dockyard.build('docker build --progress=plain -t x sample-app')\n"
    )
    assert terminal.cell_commands(source) == [
        "docker volume ls", "docker ps -a", "docker build --progress=plain -t x sample-app",
    ]


def test_a_computed_command_is_refused_with_its_line():
    with pytest.raises(terminal.NotALiteral, match="line 2: dockyard.sh"):
        terminal.cell_commands("name = 'x'\ndockyard.sh(f'docker rm {name}')\n")


def test_a_cell_expected_to_fail_runs_its_commands_negated(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# $ not a command: markdown"),
        nbformat.v4.new_code_cell("# $ docker ps"),
        nbformat.v4.new_code_cell("# $ docker build -t x missing-folder",
                                  metadata={"tags": ["raises-exception"]}),
    ])
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook, path)
    assert terminal.commands(path) == ["docker ps", "! docker build -t x missing-folder"]
    script = terminal.script(path)
    assert script.startswith("#!/usr/bin/env bash") and "set -eux" in script
