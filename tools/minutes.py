"""How long each chapter and each exercise task takes, measured from the notebooks themselves.

`python -m tools.minutes` measures, and writes every figure into one place: the book's substitutions
(`parse: myst_substitutions:` at the end of `_config.yml`). The chapters' `Time:` lines, the exercise
pages' minutes and the instructor guide's tables read them from there as `{{ name }}`, so no page states
a minute of its own. A unit test measures again and fails while the stored figures are stale.

How a figure is made:

- **Reading**: the words of the markdown cells at PROSE_WORDS_PER_MINUTE, plus the non-blank lines of
  the code cells a reader reads at CODE_LINES_PER_MINUTE (the book shows every code cell of a chapter;
  the pace covers reading a line and the output printed beside it).
- **Machine**: the run time of the cells, as the notebooks store it from the run that recorded their
  outputs (`metadata.execution`: from `iopub.execute_input` to `shell.execute_reply`).
- **Typing**: in an exercise task, each line of its solution cells (not blank, not a comment) costs
  TYPING_MINUTES_PER_LINE: typing it, running it and fixing a first mistake.

A chapter is its reading and its machine time. An exercise task runs from the H2 heading above its
`exercise-start` to the next H2: its text and hints as prose, its setup, learner and check cells as code
to read, its solution cells as lines to type, and the machine time of all its cells. Each figure is
rounded up to a multiple of STEP minutes; an exercise page's total is the sum of its tasks.

The agendas of the instructor guide are planned here (AGENDAS): which chapters and tasks each block
holds. Their blocks' minutes and start times follow from the measured figures; a test checks that the
guide's tables name the same blocks.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import yaml

from dockyard.shell import REPO

CONFIG = REPO / "_config.yml"
CHAPTERS = REPO / "chapters"
EXERCISES = REPO / "exercises"

PROSE_WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 10
TYPING_MINUTES_PER_LINE = 0.5
STEP = 5

BEGIN = "# --- minutes: written by `python -m tools.minutes`; edit the tool, not these lines"
END = "# --- end of minutes"
LABEL = re.compile(r":label:\s*(\S+)")
# `{{ name }}`, a MyST substitution; Go templates such as `{{.Id}}` or `{{json .Config}}` do not match.
SUBSTITUTION = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class MissingTiming(ValueError):
    """A code cell without the run time the notebook's recorded run stores."""


@dataclass(frozen=True)
class Measure:
    """What one chapter or one task asks of a learner, before rounding."""

    words: int = 0
    code_lines: int = 0
    typed_lines: int = 0
    seconds: float = 0.0

    @property
    def minutes(self) -> float:
        return (self.words / PROSE_WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE
                + self.typed_lines * TYPING_MINUTES_PER_LINE + self.seconds / 60)

    @property
    def rounded(self) -> int:
        return rounded(self.minutes)

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.words + other.words, self.code_lines + other.code_lines,
                       self.typed_lines + other.typed_lines, self.seconds + other.seconds)


def rounded(minutes: float) -> int:
    """Up to the next multiple of STEP, and never less than STEP."""
    return STEP * max(1, math.ceil(round(minutes, 6) / STEP))


def seconds(cell, where: str = "") -> float:
    """A code cell's run time in the recorded run."""
    timing = cell.metadata.get("execution", {})
    if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
        raise MissingTiming(f"{where}: a code cell has no run time in metadata.execution; execute the "
                            "notebook as the README says (make execute), which stores it")
    start = datetime.fromisoformat(timing["iopub.execute_input"])
    end = datetime.fromisoformat(timing["shell.execute_reply"])
    return max(0.0, (end - start).total_seconds())


def _lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip())


def _typed(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def read(cell, where: str = "") -> Measure:
    """A cell read (and, for code, run)."""
    if cell.cell_type == "markdown":
        return Measure(words=len(cell.source.split()))
    if cell.cell_type == "code":
        return Measure(code_lines=_lines(cell.source), seconds=seconds(cell, where))
    return Measure()


def typed(cell, where: str = "") -> Measure:
    """A solution cell: typed and tried, then run."""
    return Measure(typed_lines=_typed(cell.source), seconds=seconds(cell, where))


def chapter(notebook: Path) -> Measure:
    """A whole chapter: every cell read, every code cell run."""
    cells = nbformat.read(notebook, as_version=4).cells
    return sum((read(cell, notebook.name) for cell in cells), Measure())


def machine_seconds(notebook: Path) -> float:
    """The run time of every code cell of a notebook."""
    cells = nbformat.read(notebook, as_version=4).cells
    return sum(seconds(cell, notebook.name) for cell in cells if cell.cell_type == "code")


def sections(cells) -> list[list]:
    """The cells from each H2 heading to the next; what comes before the first is left out."""
    found: list[list] = []
    for cell in cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            found.append([cell])
        elif found:
            found[-1].append(cell)
    return found


def tasks(notebook: Path) -> dict[str, Measure]:
    """Each task of an exercise page, by its label (`ex04-2`), in page order."""
    found = {}
    for section in sections(nbformat.read(notebook, as_version=4).cells):
        starts = [cell for cell in section
                  if cell.cell_type == "markdown" and "{exercise-start}" in cell.source]
        if not starts:
            continue
        if len(starts) > 1:
            heading = section[0].source.splitlines()[0]
            raise ValueError(f"{notebook.name}: two tasks under the heading {heading!r}")
        label = LABEL.search(starts[0].source).group(1)
        found[label] = sum(
            (typed(cell, label) if "solution" in _tags(cell) else read(cell, label) for cell in section),
            Measure())
    return found


def number(notebook: Path) -> str:
    return notebook.name.split("-", 1)[0]


# The agendas of the instructor guide, block by block. A block is the reading of a chapter with the
# tasks named (Block("04", 1)), the tasks alone (Block("04", 2, 3, reading=False): an exercises page
# worked on later), or a fixed stretch of time (Block(minutes=15): a break).
@dataclass(frozen=True)
class Block:
    chapter: str | None
    tasks: tuple[int, ...]
    reading: bool
    minutes: int

    def __init__(self, chapter: str | None = None, *tasks: int, reading: bool = True, minutes: int = 0):
        object.__setattr__(self, "chapter", chapter)
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "reading", reading and chapter is not None)
        object.__setattr__(self, "minutes", minutes)


WELCOME, BREAK, LUNCH, CLOSE = Block(minutes=10), Block(minutes=15), Block(minutes=45), Block(minutes=10)
AGENDAS: dict[str, tuple[str, int, list[Block]]] = {
    # name: (start, the length aimed at in minutes, blocks)
    "half": ("0:00", 210, [WELCOME, Block("01"), Block("02"), Block("03", 1), BREAK, Block("04", 1),
                           Block(minutes=5)]),
    "full": ("9:00", 420, [WELCOME, Block("01"), Block("02"), Block("03", 1), BREAK, Block("04", 1), LUNCH,
                           Block("05", 1), Block("06", 1), BREAK, Block("07", 1), CLOSE]),
    "day2": ("9:00", 420, [WELCOME, Block("02", 2, reading=False), Block("04", 2, 3, reading=False),
                           Block("05", 2, reading=False), Block("06", 2, reading=False),
                           Block("07", 2, 3, reading=False), BREAK, Block("08", 1, 2), LUNCH,
                           Block("08", 3, 4, reading=False), Block("09", 1, 2), BREAK,
                           Block("09", 3, 4, reading=False), CLOSE]),
}


def clock(start: str, minutes: int) -> str:
    hours, mins = map(int, start.split(":"))
    total = hours * 60 + mins + minutes
    return f"{total // 60}:{total % 60:02d}"


def duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d} min" if mins else f"{hours} h"


def agenda(name: str, reading: dict[str, int], task_minutes: dict[str, list[int]]) -> dict[str, object]:
    """One agenda's start times and block minutes, and its whole length."""
    start, _, blocks = AGENDAS[name]
    found: dict[str, object] = {}
    at = start
    total = 0
    for index, block in enumerate(blocks, 1):
        minutes = block.minutes
        if block.chapter is not None:
            minutes = (reading[block.chapter] if block.reading else 0) + sum(
                task_minutes[block.chapter][task - 1] for task in block.tasks)
        found[f"{name}_{index}_at"] = at
        found[f"{name}_{index}_min"] = minutes
        at = clock(at, minutes)
        total += minutes
    found[f"{name}_length"] = duration(total)
    return found


def lengths() -> dict[str, tuple[int, int]]:
    """Each agenda's length and the length aimed at, in minutes."""
    figures = substitutions()
    found = {}
    for name, (_, aim, blocks) in AGENDAS.items():
        found[name] = (sum(int(figures[f"{name}_{index}_min"]) for index in range(1, len(blocks) + 1)), aim)
    return found


def substitutions() -> dict[str, object]:
    """Every figure the pages read, measured now, under the name the pages use."""
    figures: dict[str, object] = {
        "prose_words_per_minute": PROSE_WORDS_PER_MINUTE,
        "code_lines_per_minute": CODE_LINES_PER_MINUTE,
        "typing_seconds_per_line": round(TYPING_MINUTES_PER_LINE * 60),
        "rounding_minutes": STEP,
    }
    reading: dict[str, int] = {}
    task_minutes: dict[str, list[int]] = {}
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        nn = number(notebook)
        reading[nn] = chapter(notebook).rounded
        figures[f"ch{nn}_reading"] = reading[nn]
        exercises = EXERCISES / notebook.name
        measured = tasks(exercises)
        expected = [f"ex{nn}-{k}" for k in range(1, len(measured) + 1)]
        if list(measured) != expected:
            raise ValueError(f"{exercises.name}: tasks {list(measured)}, expected {expected} in order")
        task_minutes[nn] = [measure.rounded for measure in measured.values()]
        for k, minutes in enumerate(task_minutes[nn], 1):
            figures[f"ex{nn}_{k}"] = minutes
        figures[f"ex{nn}_total"] = sum(task_minutes[nn])
        figures[f"ch{nn}_seconds"] = round(machine_seconds(notebook))
        figures[f"ex{nn}_seconds"] = round(machine_seconds(exercises))
    figures["reading_total"] = sum(reading.values())
    figures["exercises_total"] = sum(map(sum, task_minutes.values()))
    figures["selfpaced_hours"] = round((figures["reading_total"] + figures["exercises_total"]) / 60)
    for name in AGENDAS:
        figures.update(agenda(name, reading, task_minutes))
    return figures


def stored() -> dict[str, object]:
    """The figures `_config.yml` holds now."""
    config = yaml.safe_load(CONFIG.read_text())
    return dict(config.get("parse", {}).get("myst_substitutions", {}))


def resolve(text: str, figures: dict[str, object] | None = None) -> str:
    """The text as the book shows it: each `{{ name }}` replaced by its figure (stored ones by default).

    A name with no figure stays as it is; the book's build then fails on it.
    """
    figures = stored() if figures is None else figures
    return SUBSTITUTION.sub(lambda m: str(figures[m[1]]) if m[1] in figures else m[0], text)


def block(figures: dict[str, object]) -> str:
    lines = [
        BEGIN,
        "# One place for every minute the book states. Jupyter Book reads substitutions from _config.yml",
        "# alone, and the unit tests read them here too (tests/unit/test_minutes.py), so they live here",
        "# rather than in a data file of their own. Paces and rounding: tools/minutes.py. YAML keeps only",
        "# the last of two `parse:` keys: another parse setting goes into this block, through the tool.",
        "parse:",
        "  myst_substitutions:",
    ]
    for name, value in figures.items():
        shown = f'"{value}"' if isinstance(value, str) else str(value)
        lines.append(f"    {name}: {shown}")
    lines.append(END)
    return "\n".join(lines) + "\n"


# The block written before, whatever its first line said: from the line that opens it to the one that ends it.
WRITTEN = re.compile(r"^# --- minutes:.*?^# --- end of minutes[^\n]*\n", flags=re.M | re.S)


def write(figures: dict[str, object]) -> bool:
    """Put the figures into `_config.yml`, in place of the block written before; True if it changed."""
    text = CONFIG.read_text()
    if WRITTEN.search(text):
        new = WRITTEN.sub(lambda _: block(figures), text, count=1)
    else:
        new = text.rstrip("\n") + "\n\n" + block(figures)
    if new == text:
        return False
    CONFIG.write_text(new)
    return True


def report(figures: dict[str, object]) -> str:
    rows = [f"{'chapter':<22} {'reading':>7}  exercise tasks (total)"]
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        nn = number(notebook)
        count = sum(1 for name in figures if re.fullmatch(rf"ex{nn}_\d+", name))
        parts = ", ".join(str(figures[f"ex{nn}_{k}"]) for k in range(1, count + 1))
        reading, total = figures[f"ch{nn}_reading"], figures[f"ex{nn}_total"]
        rows.append(f"{notebook.stem:<22} {reading:>7}  {parts} ({total})")
    rows.append(f"{'all':<22} {figures['reading_total']:>7}  ({figures['exercises_total']})")
    for name, (_, aim, _) in AGENDAS.items():
        rows.append(f"agenda {name}: {figures[f'{name}_length']} (aimed at {duration(aim)})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.minutes", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the stored minutes are stale")
    args = parser.parse_args(argv)
    figures = substitutions()
    print(report(figures))
    if args.check:
        stale = figures != stored()
        print("stale: run python -m tools.minutes" if stale else "current")
        return 1 if stale else 0
    print(f"wrote {CONFIG.name}" if write(figures) else f"{CONFIG.name} already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
