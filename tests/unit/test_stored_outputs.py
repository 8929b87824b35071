"""A stored output is what the command printed where the course is set up: no step of a page shows a
shell that could not find the command it was given (a notebook executed from a checkout without the
virtual environment stores `bash: .venv/bin/hadolint: No such file or directory`, and strict nbval then
fails wherever the course is installed)."""

import re

import nbformat
import pytest

from tests.unit.test_portable_lines import NOTEBOOKS

# bash's own words when the command itself is missing, not a command's message about a file it reads.
MISSING_COMMAND = re.compile(r"^(ba)?sh: (line \d+: )?\S+: (No such file or directory|command not found)$",
                             re.MULTILINE)


def printed(cell) -> str:
    """All that a code cell's stored outputs hold as text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.extend(output.get("traceback", []))
    return "\n".join(part if isinstance(part, str) else "".join(part) for part in parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_stored_output_shows_a_missing_command(path):
    missing = [f"{cell.id}: {found.group(0)}" for cell in nbformat.read(path, as_version=4).cells
               if cell.cell_type == "code" for found in MISSING_COMMAND.finditer(printed(cell))]
    assert missing == [], "re-execute these cells where the course is set up (make execute NB=...)"


def test_the_pattern_finds_a_missing_command_and_not_a_missing_file():
    assert MISSING_COMMAND.search("bash: line 1: .venv/bin/hadolint: No such file or directory")
    assert MISSING_COMMAND.search("sh: hadolint: command not found")
    assert not MISSING_COMMAND.search("cat: .env: No such file or directory")
