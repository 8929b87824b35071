"""The command lines the pages show run in a Mac's terminal as in Linux's: no GNU-only tool or flag on
the host side. The pages are the chapters' and exercises' command lines (`# $` lines and the commands
of dockyard.sh/build calls), the cheat sheet, the troubleshooting page (its code spans and blocks) and
the instructor guide's ```bash blocks. A command that `docker run`/`exec` (or Compose's `run`/`exec`)
starts runs in the container's own Linux, so it may use them.

A clean-up line that removes what a listing finds does not need `xargs -r`: it reads the IDs with
`while read -r id; do docker rm -f "$id"; done`, which runs nothing on an empty list in every shell."""

import re
from pathlib import Path

import pytest

from dockyard import terminal
from dockyard.shell import REPO
from tests.unit.test_instructor_guide import demo_commands

NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "exercises").glob("*.ipynb"))
PAGES = [REPO / "appendices" / "cheatsheet.md", REPO / "appendices" / "troubleshooting.md"]
GUIDE = REPO / "instructors" / "guide.md"

# GNU coreutils, findutils, sed and grep forms that macOS's BSD tools lack or read otherwise.
GNU_ONLY = {
    "timeout (GNU coreutils; macOS has none)": re.compile(r"(^|[;&|(]\s*)timeout\s"),
    "date +%N (BSD date prints a literal N)": re.compile(r"\bdate \+\S*%N"),
    "sed -i without a suffix (BSD sed takes the next word as one)":
        re.compile(r"\bsed -i(\s+-|\s+'|\s+\"|$)"),
    "grep -P (BSD grep has no Perl regexes)": re.compile(r"\bgrep -\w*P"),
    "readlink -f (BSD readlink before macOS 12.3)": re.compile(r"\breadlink -f"),
    "stat -c (BSD stat uses -f)": re.compile(r"\bstat -c"),
    "xargs -r (a GNU extension: not every BSD xargs takes it)": re.compile(r"\bxargs\s+(-\w*\s+)*-\w*r\b"),
}
IN_A_CONTAINER = re.compile(r"^docker (run|exec|compose .*\b(run|exec))\b")
# Lines still to be made portable, on pages where they wait for other changes: each must still be there.
PENDING: dict[str, int] = {}


def page_lines(page: Path) -> list[str]:
    """The commands a Markdown page shows: its code blocks' lines and its code spans."""
    text = page.read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    lines = [line for block in blocks for line in block.splitlines()]
    return lines + [span.replace("\\|", "|") for span in spans]


def guide_lines() -> list[str]:
    return demo_commands(GUIDE.read_text())


def host_lines(commands: list[str]) -> list[str]:
    return [command for command in commands if not IN_A_CONTAINER.match(command.removeprefix("! "))]


def gnu_only(commands: list[str]) -> list[str]:
    return [f"{why}: {line}" for line in host_lines(commands) for why, pattern in GNU_ONLY.items()
            if pattern.search(line)]


def name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


SOURCES = {name(p): (lambda p=p: terminal.commands(p)) for p in NOTEBOOKS}
SOURCES |= {name(p): (lambda p=p: page_lines(p)) for p in PAGES}
SOURCES["instructors/guide"] = guide_lines


@pytest.mark.parametrize("source", list(SOURCES))
def test_no_gnu_only_command_on_the_host(source):
    found = gnu_only(SOURCES[source]())
    assert len(found) == PENDING.get(source, 0), "\n".join(found)


def test_the_patterns_catch_the_forms_they_name():
    caught = {why for why, pattern in GNU_ONLY.items() for line in (
        "timeout 90 sh -c 'until true; do sleep 1; done'", 'echo "$(date +%s%N)"', "sed -i 's/a/b/' f",
        "grep -P '\\d+' f", "readlink -f x", "stat -c %s f", "docker ps -q | xargs -r docker rm")
        if pattern.search(line)}
    assert caught == set(GNU_ONLY)
    assert not any(pattern.search(line) for pattern in GNU_ONLY.values() for line in (
        "docker compose up --wait --wait-timeout 60 && date +%s", "sed -i.bak 's/a/b/' f",
        "docker ps -q | while read -r id; do docker rm -f \"$id\"; done", "xargs -n1 echo"))
