"""The book's Terminal tab (tools/booktabs.py): long lines break only where bash joins them back into the
same command, and what the copy button takes is the command itself. No engine needed."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from dockyard import terminal
from tools import booktabs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))


def book_commands(notebook: Path) -> list[str]:
    return [command for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"
            for command in terminal.cell_commands(cell.source)]


def _text(markup: str) -> str:
    """The text of the block's <pre>, as the browser has it."""
    pre = re.search(r"<pre>(.*)</pre>", markup, re.DOTALL).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", pre))


def shown(command: str) -> str:
    """The command as its Terminal tab shows it, without the prompt."""
    return _text(booktabs.console_html([command])).removeprefix("$ ").removesuffix("\n")


def copied(commands: list[str]) -> str:
    """What the copy button takes: the block's text less what `copybutton_exclude` names (.gp and
    .dy-wrap), less one final newline, as sphinx-copybutton does."""
    markup = re.sub(r'<span class="(gp|dy-wrap)">[^<]*</span>', "", booktabs.console_html(commands))
    return _text(markup).removesuffix("\n")


def test_a_long_command_breaks_between_words_within_the_width():
    labels = " ".join(f"--label dockyard.step={n}" for n in range(8))
    command = f"docker run -d {labels} debian:bookworm-slim"
    lines = shown(command).split("\n")
    assert len(lines) > 1
    assert all(len(line) <= booktabs.WIDTH for line in ["$ " + lines[0], *lines[1:]])
    assert all(line.endswith(" \\") for line in lines[:-1])
    assert all(line.startswith(booktabs.INDENT + "-") or line.startswith(booktabs.INDENT + "debian")
               for line in lines[1:])


def test_no_break_inside_quotes_a_heredoc_body_or_a_comment():
    long = "x " * 60
    for command in (f"docker run --rm debian:bookworm-slim sh -c '{long}'",
                    f'docker run --rm debian:bookworm-slim sh -c "{long}"',
                    f"docker build -t x - <<'EOF'\nRUN echo {long}\nEOF",
                    f"docker ps  # {long}"):
        breaks = booktabs.break_points(command)
        assert all(command.find(long) > point or point >= command.find(long) + len(long) for point in breaks)


def test_a_line_after_a_heredoc_body_breaks_again():
    command = "cat > /tmp/x <<'EOF'\nFROM debian:bookworm-slim\nEOF\n" + "echo " + "word " * 30
    points = booktabs.break_points(command)
    assert points and points[0] > command.index("\nEOF\n")


def test_the_copy_is_the_commands_with_their_heredocs_and_continuations():
    commands = ["docker run -d --name dockyard-x-web \\\n  --label dockyard.chapter=x " + "--env A=b " * 10
                + "debian:bookworm-slim sleep infinity",
                "docker build -t x - <<'EOF'\nFROM debian:bookworm-slim\nEOF"]
    assert copied(commands) == "\n".join(commands)
    assert "dy-wrap" in booktabs.console_html(commands)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_every_command_of_the_book_copies_as_itself(notebook):
    for command in book_commands(notebook):
        assert copied([command]) == command


def _parsed(commands: list[str]) -> list[str]:
    """Each command as bash parses it: the body of a function holding it, as `declare -f` prints it
    back (continuations joined, heredocs whole). Nothing runs."""
    script = "".join(f"f{n}() {{\n{command}\n}}\ndeclare -f f{n}\necho '<end>'\n"
                     for n, command in enumerate(commands))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return [re.sub(r"^f\d+ \(\)", "f ()", body.strip()) for body in done.stdout.split("<end>")[:-1]]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_every_broken_line_runs_as_the_same_command_in_bash(notebook):
    commands = book_commands(notebook)
    broken = [command for command in commands if booktabs.break_points(command)]
    assert _parsed([shown(command) for command in broken]) == _parsed(broken)


def test_every_chapter_breaks_some_long_line():
    chapters = [path for path in NOTEBOOKS if path.parent.name == "chapters"]
    assert all(any(booktabs.break_points(c) for c in book_commands(path)) for path in chapters)


def test_the_python_tab_keeps_the_code_and_drops_the_comment_block():
    source = ("# $ docker run -d --name dockyard-x-web \\\n"
              "#     --label dockyard.chapter=x debian:bookworm-slim sleep infinity\n"
              "# $ cat > /tmp/x <<'EOF'\n#   body\n#   EOF\n"
              "#   an ordinary comment, after code? no: it continues the block above\n"
              "\n"
              "# a remark\n"
              "web = client.containers.run('debian:bookworm-slim', detach=True)\n"
              "dockyard.sh('docker ps')\n")
    assert terminal.without_commands(source).splitlines() == [
        "# a remark",
        "web = client.containers.run('debian:bookworm-slim', detach=True)",
        "dockyard.sh('docker ps')",
    ]
