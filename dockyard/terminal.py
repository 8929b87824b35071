"""The terminal track: a chapter's docker command lines, in order, as a shell script.

A lesson cell names its command line in one of two ways, and this module reads both:

- a comment block at the top of the cell, one command a line after `# $ `, continued on lines that
  start with `#   ` (a heredoc's body and its end marker included);
- a call `dockyard.sh("...")` or `dockyard.build("...")`, whose literal string is the command itself.

Commands in a cell tagged `raises-exception` are expected to fail, so the script runs them as
`! command` (bash -e then goes on). Run a script from the repository's root folder.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

PROMPT = "# $ "
CONTINUED = "#   "
CALLS = {"sh", "build"}


class NotALiteral(ValueError):
    """A dockyard.sh/build call whose command is not a plain string, so no script can hold it."""


def cell_commands(source: str) -> list[str]:
    """The command lines one cell shows, in the order they appear."""
    found: list[tuple[int, str]] = []
    lines = source.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(PROMPT):
            found.append((number, line[len(PROMPT):]))
        elif line.startswith(CONTINUED) and found and found[-1][0] == _block_start(lines, number):
            found[-1] = (found[-1][0], found[-1][1] + "\n" + line[len(CONTINUED):])
    found += _called(source)
    return [command for _, command in sorted(found)]


def without_commands(source: str) -> str:
    """The cell's code less its `# $` comment block: what is left for Python to run (the book's Python
    tab). Commands passed to dockyard.sh/build stay, since they are code."""
    lines = source.splitlines()
    kept = [line for number, line in enumerate(lines)
            if not (line.startswith(PROMPT)
                    or (line.startswith(CONTINUED) and _block_start(lines, number) is not None))]
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def _block_start(lines: list[str], number: int) -> int | None:
    """The line number of the `# $` line a continuation line belongs to."""
    while number > 0 and lines[number - 1].startswith(CONTINUED):
        number -= 1
    previous = number - 1
    return previous if previous >= 0 and lines[previous].startswith(PROMPT) else None


def _called(source: str) -> list[tuple[int, str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # IPython-only syntax: no calls to read
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in CALLS and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "dockyard"):
            argument = node.args[0] if node.args else None
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                raise NotALiteral(f"line {node.lineno}: dockyard.{node.func.attr}() needs a plain string")
            found.append((node.lineno - 1, argument.value))
    return found


def commands(notebook: Path) -> list[str]:
    """Every command line of a notebook, in cell order."""
    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        expected_to_fail = "raises-exception" in cell.metadata.get("tags", [])
        for command in cell_commands(cell.source):
            found.append(f"! {command}" if expected_to_fail else command)
    return found


def script(notebook: Path) -> str:
    """A bash script that runs the notebook's command lines in order, stopping at the first failure."""
    header = [
        "#!/usr/bin/env bash",
        f"# The terminal track of {notebook.name}: its docker commands, in the chapter's order.",
        "# Run it from the repository's root folder: bash -eu thisfile.sh",
        "set -eux",
        "",
    ]
    return "\n".join(header + commands(notebook)) + "\n"
