"""The instructor guide: every command it cites runs, and its agendas add up.

Every `python -m dockyard ...` and `make ...` command on the page (in a console block after `$ `, or
quoted inline) is run here, in the order the page gives them, from the repository root. A few are run
in a smaller form, always the same command with the same subcommand:

- `make TARGET` runs as `make -o .venv/.installed TARGET`: the recipe runs, the environment under test
  is not reinstalled.
- `images save FOLDER` saves `--only redis:7` (the whole set's save and load are timed in
  test_bundle.py); FOLDER, on the page a USB stick, is a temporary folder, and `images load` reads it.
- `reset` and `catch-up` run with `--dry-run`: other tests and notebooks share this engine, and what
  they would remove could be theirs. Their real runs are tested in test_reset.py and test_catchup.py.
- `tools.bench` runs once per operation (`--repeat 1`).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import nbformat
import pytest

from dockyard import catchup, terminal
from dockyard.shell import REPO

GUIDE = REPO / "instructors" / "guide.md"
STICK = "/media/usb/dockyard"


def cited() -> list[str]:
    """The page's commands, in order, each once."""
    text = GUIDE.read_text()
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        found += [line[2:].strip() for line in block.splitlines() if line.startswith("$ ")]
    for span in re.findall(r"`([^`\n]+)`", text):
        if "python -m dockyard" in span or "python -m tools." in span or span.startswith("make "):
            found.append(span.strip())
    return list(dict.fromkeys(found))


def as_run(command: str, scratch) -> list[str]:
    """The argv the test runs for a cited command (see the module's docstring)."""
    words = shlex.split(command.replace(STICK, str(scratch / "stick")))
    if words[0] == "make":
        return ["make", "-o", ".venv/.installed", *words[1:]]
    assert words[:2] == [".venv/bin/python", "-m"], f"cite the course's Python: {command}"
    if words[2] == "tools.bench":
        return [sys.executable, "-m", "tools.bench", "--repeat", "1"]
    assert words[2] == "dockyard", f"a course command or a tool: {command}"
    args = words[3:]
    if args[:2] == ["images", "save"]:
        args = ["images", "save", "--only", "redis:7", *args[2:]]
    if args[0] in {"reset", "catch-up"}:
        args.append("--dry-run")
    if args[0] == "handouts":
        args = ["handouts", str(scratch / args[1])]
    return [sys.executable, "-m", "dockyard", *args]


def test_the_guide_cites_the_commands_of_a_room():
    commands = " | ".join(cited())
    for wanted in ("make doctor", "dockyard doctor --json", "dockyard images save", "dockyard images load",
                   "dockyard catch-up", "dockyard progress --json", "dockyard reset"):
        assert wanted in commands


@pytest.mark.parametrize("_", [None], ids=["in order"])
def test_every_command_the_guide_cites_runs(_, tmp_path, slowdown):
    env = {**os.environ, "DOCKYARD_PROGRESS": str(tmp_path / "progress.json")}
    for command in cited():
        argv = as_run(command, tmp_path)
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env,
                              timeout=600 * slowdown)
        assert done.returncode == 0, f"{command}\n  ran as {shlex.join(argv)}\n{done.stdout[-2000:]}" \
                                     f"\n{done.stderr[-2000:]}"
        assert done.stdout.strip(), f"{command} printed nothing"


def tables(text: str) -> dict[str, list[list[list[str]]]]:
    """Every Markdown table on the page, as rows of cells without the header's rule, by its first header."""
    found, rows = {}, []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            found.setdefault(rows[0][0], []).append(rows)
            rows = []
    return found


def chapter_minutes() -> dict[str, int]:
    """Each chapter's reading minutes, from the `Time:` line of its own header."""
    minutes = {}
    for chapter in catchup.chapters():
        header = "\n".join(cell.source for cell in nbformat.read(chapter, as_version=4).cells[:3])
        minutes[chapter.stem] = int(re.search(r"Time:\**\s*(?:about\s+)?(\d+)", header).group(1))
    return minutes


def chapter_titles() -> dict[str, str]:
    return {chapter.stem: nbformat.read(chapter, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
            for chapter in catchup.chapters()}


def test_the_agendas_add_up():
    """The figures the page states agree with each other and with the chapters, and each agenda keeps
    close to the length it promises."""
    text = GUIDE.read_text()
    found = tables(text)
    (overview,), agendas, (machine,) = found["Chapter"], found["Time"], found["Notebook"]
    reading, tasks = {}, {}
    for row in overview[1:]:
        stem = re.search(r"chapters/([\w-]+)", row[0]).group(1)
        reading[stem] = int(row[1])
        tasks[stem] = [int(n) for n in row[2].split(",") if n.strip()]
    assert reading == chapter_minutes(), "the guide's reading minutes differ from the chapters' headers"
    for stem, minutes in tasks.items():
        if not (REPO / "exercises" / f"{stem}.ipynb").exists():  # its exercise page is not written yet
            assert minutes == [], f"{stem}: minutes for tasks of an exercise page that does not exist"
            continue
        exercises = nbformat.read(REPO / "exercises" / f"{stem}.ipynb", as_version=4)
        starts = sum("{exercise-start}" in cell.source for cell in exercises.cells
                     if cell.cell_type == "markdown")
        assert len(minutes) == starts, f"{stem}: {starts} tasks, the guide gives minutes for {len(minutes)}"
    flat = " ".join(text.split())
    assert f"{sum(reading.values())} minutes of reading" in flat
    assert f"about {sum(map(sum, tasks.values()))} of exercises" in flat

    by_title = {title: stem for stem, title in chapter_titles().items()}
    # The half day, the full day and the second day, in the page's order, and the length each aims at.
    assert len(agendas) == 3, "three agendas: a half day, a full day and a second day"
    for agenda, aim in zip(agendas, (210, 480, 420), strict=True):
        for row, following in zip(agenda[1:-1], agenda[2:], strict=False):
            start, minutes = row[0], int(row[2])
            hours, mins = map(int, start.split(":"))
            assert following[0] == f"{hours + (mins + minutes) // 60}:{(mins + minutes) % 60:02d}", row
        for _, block, minutes in agenda[1:]:
            title, _, listed = block.partition(",")
            numbers = [int(n) for n in re.findall(r"\d+", listed)]
            if title in by_title:
                stem = by_title[title]
                assert int(minutes) == reading[stem] + sum(tasks[stem][n - 1] for n in numbers), block
            elif title.removeprefix("Exercises: ") in by_title:
                stem = by_title[title.removeprefix("Exercises: ")]
                assert numbers and int(minutes) == sum(tasks[stem][n - 1] for n in numbers), block
        span = sum(int(row[2]) for row in agenda[1:])
        assert abs(span - aim) <= 15, f"an agenda of {span} min, planned as one of {aim}: plan it again " \
                                      f"(AGENDAS in tools/minutes.py)"
    assert [row[0] for row in machine[1:]], "the measured table is empty"


def teaching_sections() -> dict[str, str]:
    """The text of each chapter's section under "Teach each chapter", by the chapter's stem."""
    text = GUIDE.read_text()
    part = text.split("\n## Teach each chapter\n", 1)[1].split("\n## ", 1)[0]
    by_title = {title: stem for stem, title in chapter_titles().items()}
    found = {}
    for section in part.split("\n### ")[1:]:
        title, _, body = section.partition("\n")
        assert title in by_title, f"a section {title!r} that names no chapter"
        found[by_title[title]] = body
    return found


def demo_commands(body: str) -> list[str]:
    """The commands of a section's ```bash blocks: a line, with the lines it continues (a trailing
    backslash, an open quote, a heredoc up to its end marker); comment lines are narration."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", body, flags=re.S):
        lines = block.splitlines()
        while lines:
            line = lines.pop(0)
            if not line.strip() or line.startswith("#"):
                continue
            command = [line]
            heredoc = re.search(r"<<'?(\w+)'?", line)
            while lines and (command[-1] != heredoc[1] if heredoc else
                             command[-1].endswith("\\") or "\n".join(command).count("'") % 2):
                command.append(lines.pop(0))
            commands.append("\n".join(command))
    return commands


def test_each_chapter_has_a_section_on_teaching_it():
    sections = teaching_sections()
    assert sorted(sections) == sorted(chapter.stem for chapter in catchup.chapters())
    for stem, body in sections.items():
        for part in ("Make these points", "Expect these misconceptions", "Demo", "Stand-ins"):
            assert f"**{part}.**" in body, f"{stem}: no {part}"
        points = re.findall(r"^\d\. ", body.split("**Expect", 1)[0], flags=re.M)
        assert len(points) == 3, f"{stem}: {len(points)} points to make, not three"


@pytest.mark.parametrize("stem", [chapter.stem for chapter in catchup.chapters()])
def test_every_demo_command_is_one_the_chapter_runs(stem):
    """A demo cites only what the chapter's own terminal script runs (a command expected to fail runs
    there as `! command`; the demo shows it as it is typed)."""
    demo = demo_commands(teaching_sections()[stem])
    assert demo, f"{stem}: no demo commands"
    notebook = REPO / "chapters" / f"{stem}.ipynb"
    script = {command.removeprefix("! ") for command in terminal.commands(notebook)}
    strangers = [command for command in demo if command not in script]
    assert not strangers, f"{stem}: the chapter never runs these demo commands:\n" + "\n".join(strangers)
