"""The command lines the pages show run in a Mac's terminal as in Linux's: no GNU-only tool or flag on
the host side. A command that `docker run`/`exec` (or Compose's `run`/`exec`) starts runs in the
container's own Linux, so it may use them; so may the chapters' clean-up lines' `xargs -r` (see below)."""

import re
from pathlib import Path

import pytest

from dockyard import terminal
from dockyard.shell import REPO

NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "exercises").glob("*.ipynb"))

# GNU coreutils, sed and grep forms that macOS's BSD tools lack or read otherwise.
GNU_ONLY = {
    "timeout (GNU coreutils; macOS has none)": re.compile(r"(^|[;&|(]\s*)timeout\s"),
    "date +%N (BSD date prints a literal N)": re.compile(r"\bdate \+\S*%N"),
    "sed -i without a suffix (BSD sed takes the next word as one)": re.compile(r"\bsed -i(\s+-|\s+'|\s+\")"),
    "grep -P (BSD grep has no Perl regexes)": re.compile(r"\bgrep -\w*P"),
    "readlink -f (BSD readlink before macOS 12.3)": re.compile(r"\breadlink -f"),
    "stat -c (BSD stat uses -f)": re.compile(r"\bstat -c"),
}
IN_A_CONTAINER = re.compile(r"^docker (run|exec|compose .*\b(run|exec))\b")


def host_lines(notebook: Path) -> list[str]:
    return [command for command in terminal.commands(notebook) if not IN_A_CONTAINER.match(command)]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_no_gnu_only_command_on_the_host(notebook):
    found = [f"{why}: {line}" for line in host_lines(notebook) for why, pattern in GNU_ONLY.items()
             if pattern.search(line)]
    assert found == []


def test_the_patterns_catch_the_forms_they_name():
    caught = {why for why, pattern in GNU_ONLY.items() for line in (
        "timeout 90 sh -c 'until true; do sleep 1; done'", 'echo "$(date +%s%N)"', "sed -i 's/a/b/' f",
        "grep -P '\\d+' f", "readlink -f x", "stat -c %s f") if pattern.search(line)}
    assert caught == set(GNU_ONLY)
    assert not any(pattern.search("docker compose up --wait --wait-timeout 60 && date +%s")
                   for pattern in GNU_ONLY.values())
