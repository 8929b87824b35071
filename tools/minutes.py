"""How long each chapter and each exercise task takes, measured from the notebooks themselves.

`python -m tools.minutes` measures, and writes each figure, as a plain number, onto every page that
states it: the `Time:` line of each chapter, each exercise page's total and each task's `**Time:**`
line, and the instructor guide's paces, tables, agenda start times and totals. It replaces the figure
written before, in place: a page keeps its own words, and Jupyter shows the same number as the book.
`--check` changes nothing and names the pages whose figures are stale; a unit test does the same.

Where a figure goes:

- a sentence of a known shape (STATEMENTS): `**Time:** 30 min reading, 15 min exercises` at the top of
  a chapter, `**Time:** 40 min in all` at the top of an exercise page, `**Time:** 10 min.` under each
  task's `:label:`, and the guide's sentences on the paces and the agendas' lengths. Each must be found
  on its page exactly once; the tool stops if a page lost or doubled one.
- a table of the guide (TABLES), between `<!-- minutes:NAME -->` and `<!-- minutes:end -->`: the tool
  writes the whole table anew.

Notebooks are read and written with nbformat; only markdown cells change, so a notebook whose figures
are current is written back byte for byte as it was.

How a figure is made:

- **Reading**: the words of the markdown cells at PROSE_WORDS_PER_MINUTE, plus the non-blank lines of
  code a reader reads at CODE_LINES_PER_MINUTE (the pace covers reading a line and the output printed
  beside it), as the book shows them: a Docker step is a Terminal tab and a Python tab
  (tools/booktabs.py), of which a reader reads one, so the step counts the longer of the two; a cell
  the page leaves out (`remove-cell`, tools/prooftags.py) counts none; a cell behind a toggle counts
  whole, since a reader may open it.
- **Machine**: the run time of the cells, as the notebooks store it from the run that recorded their
  outputs (`metadata.execution`: from `iopub.execute_input` to `shell.execute_reply`).
- **Typing**: in an exercise task, each line of its solution cells (not blank, not a comment) costs
  TYPING_MINUTES_PER_LINE: typing it, running it and fixing a first mistake.

A chapter is its reading and its machine time. An exercise task runs from the H2 heading above its
`exercise-start` to the next H2: its text and hints as prose, its setup, learner and check cells as code
to read, its solution cells as lines to type, and the machine time of all its cells. Each figure is
rounded up to a multiple of STEP minutes; an exercise page's total is the sum of its tasks. A figure
written on a page is one word however large, so writing it never changes what is measured.

The agendas of the instructor guide are planned here (AGENDAS): which chapters and tasks each block
holds. Their blocks' minutes and start times follow from the measured figures.
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

from dockyard import terminal
from dockyard.shell import REPO

CHAPTERS = REPO / "chapters"
EXERCISES = REPO / "exercises"
GUIDE = REPO / "instructors" / "guide.md"

PROSE_WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 10
TYPING_MINUTES_PER_LINE = 0.5
STEP = 5

LABEL = re.compile(r":label:\s*(\S+)")


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


def shown_lines(cell) -> int:
    """The lines of a code cell a reader of the book reads (see Reading, above)."""
    if "remove-cell" in _tags(cell):
        return 0
    commands = terminal.cell_commands(cell.source)
    if not commands:
        return _lines(cell.source)
    return max(sum(_lines(command) for command in commands), _lines(terminal.without_commands(cell.source)))


def read(cell, where: str = "") -> Measure:
    """A cell read (and, for code, run)."""
    if cell.cell_type == "markdown":
        return Measure(words=len(cell.source.split()))
    if cell.cell_type == "code":
        return Measure(code_lines=shown_lines(cell), seconds=seconds(cell, where))
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


def title(nn: str) -> str:
    """A chapter's title, the first line of its first cell."""
    notebook = next(CHAPTERS.glob(f"{nn}-*.ipynb"))
    return nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")


# The agendas of the instructor guide, block by block. A block is the reading of a chapter with the
# tasks named (Block("04", 1)), the tasks alone (Block("04", 2, 3, reading=False): an exercises page
# worked on later), or a fixed stretch of time with its name (Block(minutes=15, label="Break")).
@dataclass(frozen=True)
class Block:
    chapter: str | None
    tasks: tuple[int, ...]
    reading: bool
    minutes: int
    label: str

    def __init__(self, chapter: str | None = None, *tasks: int, reading: bool = True, minutes: int = 0,
                 label: str = ""):
        object.__setattr__(self, "chapter", chapter)
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "reading", reading and chapter is not None)
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "label", label)

    def named(self) -> str:
        """The block as the guide's table names it: `Containers, task 1`, `Exercises: Compose, tasks 2
        and 3`, `Break`."""
        if self.chapter is None:
            return self.label
        name = title(self.chapter) if self.reading else f"Exercises: {title(self.chapter)}"
        numbers = [str(task) for task in self.tasks]
        if len(numbers) == 1:
            name += f", task {numbers[0]}"
        elif numbers:
            name += f", tasks {', '.join(numbers[:-1])} and {numbers[-1]}"
        return name


DOCTOR = "every learner runs the doctor"
WRAP_UP = "Collect progress, reset, where to go next"
WELCOME = Block(minutes=10, label=f"Welcome; {DOCTOR}")
WELCOME_BACK = Block(minutes=10, label=f"Welcome back; {DOCTOR}")
BREAK, LUNCH = Block(minutes=15, label="Break"), Block(minutes=45, label="Lunch")
CLOSE = Block(minutes=10, label=WRAP_UP)
AGENDAS: dict[str, tuple[str, int, list[Block]]] = {
    # name: (start, the length aimed at in minutes, blocks)
    "half": ("0:00", 210, [WELCOME, Block("01"), Block("02"), Block("03", 1), BREAK, Block("04", 1),
                           Block(minutes=5, label=WRAP_UP)]),
    "full": ("9:00", 480, [WELCOME, Block("01", 1), Block("02", 1), Block("03", 1), BREAK, Block("04", 1),
                           LUNCH, Block("05", 1), Block("06", 1), BREAK, Block("07", 1), Block("08", 1),
                           CLOSE]),
    "day2": ("9:00", 420, [WELCOME_BACK, Block("02", 2, reading=False), Block("03", 2, reading=False),
                           Block("04", 2, 3, reading=False), Block("05", 2, reading=False),
                           Block("06", 2, reading=False), BREAK, Block("07", 2, 3, reading=False),
                           Block("08", 2, 3, 4, reading=False), LUNCH, Block("09", 1, 2, 3), BREAK,
                           Block("10", 1, 2, 3), CLOSE]),
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


def lengths(measured: dict[str, object] | None = None) -> dict[str, tuple[int, int]]:
    """Each agenda's length and the length aimed at, in minutes."""
    measured = figures() if measured is None else measured
    found = {}
    for name, (_, aim, blocks) in AGENDAS.items():
        found[name] = (sum(int(measured[f"{name}_{index}_min"]) for index in range(1, len(blocks) + 1)), aim)
    return found


def figures() -> dict[str, object]:
    """Every figure the pages state, measured now, by name."""
    found: dict[str, object] = {
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
        found[f"ch{nn}_reading"] = reading[nn]
        exercises = EXERCISES / notebook.name
        # a chapter whose exercise page is not written yet has no tasks to measure
        measured = tasks(exercises) if exercises.exists() else {}
        expected = [f"ex{nn}-{k}" for k in range(1, len(measured) + 1)]
        if list(measured) != expected:
            raise ValueError(f"{exercises.name}: tasks {list(measured)}, expected {expected} in order")
        task_minutes[nn] = [measure.rounded for measure in measured.values()]
        for k, minutes in enumerate(task_minutes[nn], 1):
            found[f"ex{nn}_{k}"] = minutes
        found[f"ex{nn}_total"] = sum(task_minutes[nn])
        found[f"ch{nn}_seconds"] = round(machine_seconds(notebook))
        found[f"ex{nn}_seconds"] = round(machine_seconds(exercises)) if exercises.exists() else None
    found["reading_total"] = sum(reading.values())
    found["exercises_total"] = sum(map(sum, task_minutes.values()))
    found["selfpaced_hours"] = round((found["reading_total"] + found["exercises_total"]) / 60)
    for name in AGENDAS:
        found.update(agenda(name, reading, task_minutes))
    return found


def task_count(nn: str, measured: dict[str, object]) -> int:
    """How many tasks the figures give an exercise page."""
    return sum(1 for name in measured if re.fullmatch(rf"ex{nn}_\d+", name))


# The sentences that state a figure. Each named group is a figure, by its name in figures(); a space
# stands for any run of whitespace, a line break included, so a sentence may be wrapped anywhere.
DURATION = r"\d+ h(?: \d+ min)?"
GUIDE_STATEMENTS = [
    r"at (?P<prose_words_per_minute>\d+) words a minute",
    r"at (?P<code_lines_per_minute>\d+) lines a minute",
    r"(?P<typing_seconds_per_line>\d+) seconds for each line",
    r"a multiple of (?P<rounding_minutes>\d+) minutes",
    rf"\*\*Half day, (?P<half_length>{DURATION})\.\*\*",
    rf"\*\*Full day, (?P<full_length>{DURATION}) with breaks",
    rf"\*\*Day two, (?P<day2_length>{DURATION}) with breaks",
    r"\*\*Self-paced, about (?P<selfpaced_hours>\d+) hours",
    r"(?P<reading_total>\d+) minutes of reading and about (?P<exercises_total>\d+) of exercises",
]


def statements(page: Path, texts: list[str]) -> list[re.Pattern]:
    """The sentences that state figures on a page (a chapter, an exercise page, by its folder, or the
    guide) whose markdown is `texts`: on an exercise page, one for each task it has."""
    if page.suffix == ".md":
        shapes = GUIDE_STATEMENTS
    elif page.parent.name == "chapters":
        nn = number(page)
        # the line may say more between the figures: `50 min reading (one cell makes you wait ...), 40 min`
        shapes = [rf"\*\*Time:\*\* (?P<ch{nn}_reading>\d+) min reading(?:(?!\n\n).)*?, "
                  rf"(?P<ex{nn}_total>\d+) min exercises"]
        exercises = page.parent.parent / "exercises" / page.name
        if not exercises.exists() and not any(re.search(r"min\s+exercises", text) for text in texts):
            # no exercise page yet: the line states the reading alone
            shapes = [rf"\*\*Time:\*\* (?P<ch{nn}_reading>\d+) min reading\."]
    else:
        nn = number(page)
        shapes = [rf"\*\*Time:\*\* (?P<ex{nn}_total>\d+) min in all"]
        shapes += [rf":label: ex{nn}-{k}\n```\n\n\*\*Time:\*\* (?P<ex{nn}_{k}>\d+) min\."
                   for k in range(1, sum("{exercise-start}" in text for text in texts) + 1)]
    return [re.compile(shape.replace(" ", r"\s+"), flags=re.S) for shape in shapes]


# The guide's tables, each written whole between `<!-- minutes:NAME -->` and `<!-- minutes:end -->`.
REGION = re.compile(r"(?P<start><!-- minutes:(?P<name>(?!end -->)\w+) -->\n)(?P<table>.*?)"
                    r"(?P<end><!-- minutes:end -->)", flags=re.S)


def table(name: str, measured: dict[str, object]) -> str:
    """A table of the guide, as its Markdown."""
    numbers = [number(notebook) for notebook in sorted(CHAPTERS.glob("*.ipynb"))]
    if name == "chapters":
        rows = ["| Chapter | Reading | Exercise tasks, in minutes |", "| --- | ---: | --- |"]
        for notebook, nn in zip(sorted(CHAPTERS.glob("*.ipynb")), numbers, strict=True):
            listed = ", ".join(str(measured[f"ex{nn}_{k}"]) for k in range(1, task_count(nn, measured) + 1))
            reading = measured[f"ch{nn}_reading"]
            rows.append(f"| {{doc}}`../chapters/{notebook.stem}` | {reading} | {listed} |")
    elif name == "machine":
        rows = ["| Notebook | Lesson | Exercises |", "| --- | ---: | ---: |"]
        rows += [f"| {title(nn)} | {measured[f'ch{nn}_seconds']} s | "
                 f"{seconds_or_none(measured[f'ex{nn}_seconds'])} |" for nn in numbers]
    elif name in AGENDAS:
        rows = ["| Time | Block | Minutes |", "| --- | --- | ---: |"]
        rows += [f"| {measured[f'{name}_{index}_at']} | {block.named()} | {measured[f'{name}_{index}_min']} |"
                 for index, block in enumerate(AGENDAS[name][2], 1)]
    else:
        raise ValueError(f"{GUIDE.name}: no table is called {name!r} (<!-- minutes:{name} -->)")
    return "\n" + "\n".join(rows) + "\n\n"


def seconds_or_none(value: int | None) -> str:
    return "no exercise page yet" if value is None else f"{value} s"


TABLES = ["chapters", *AGENDAS, "machine"]


def pages() -> list[Path]:
    """Every page that states minutes."""
    return sorted(CHAPTERS.glob("*.ipynb")) + sorted(EXERCISES.glob("*.ipynb")) + [GUIDE]


def fill(pattern: re.Pattern, text: str, measured: dict[str, object], changes: list[str]) -> tuple[str, int]:
    """The text with each figure the pattern's groups find replaced by the measured one; and how many
    times the pattern was found. Each figure that differs goes into `changes`."""
    parts, at, found = [], 0, 0
    for match in pattern.finditer(text):
        found += 1
        parts.append(text[at:match.start()])
        at = match.start()
        for name in sorted(pattern.groupindex, key=match.start):
            value = str(measured[name])
            if match[name] != value:
                changes.append(f"{name}: {match[name]} -> {value}")
            parts += [text[at:match.start(name)], value]
            at = match.end(name)
    parts.append(text[at:])
    return "".join(parts), found


def restate(page: Path, texts: list[str], measured: dict[str, object]) -> tuple[list[str], list[str]]:
    """The texts of a page (its markdown cells, or the guide's one text) with every figure written in,
    and what changed (`ch04_reading: 60 -> 65`, `table half`).

    Raises ValueError if a sentence that states a figure is not on the page exactly once, or the guide
    does not hold each of its tables once.
    """
    changes: list[str] = []
    where = page.relative_to(REPO) if page.is_relative_to(REPO) else page
    for pattern in statements(page, texts):
        filled = [fill(pattern, text, measured, changes) for text in texts]
        texts = [text for text, _ in filled]
        found = sum(count for _, count in filled)
        if found != 1:
            raise ValueError(f"{where}: the sentence /{pattern.pattern}/ is there {found} times, not once; "
                             "put it back as it was, or change its shape in tools/minutes.py")
    if page.suffix == ".md":
        (text,) = texts
        named = [match["name"] for match in REGION.finditer(text)]
        if sorted(named) != sorted(TABLES):
            raise ValueError(f"{where}: the tables between <!-- minutes:NAME --> and <!-- minutes:end --> "
                             f"are {named}; expected each of {TABLES} once")

        def tabled(match: re.Match) -> str:
            written = table(match["name"], measured)
            if match["table"] != written:
                changes.append(f"table {match['name']}")
            return match["start"] + written + match["end"]

        texts = [REGION.sub(tabled, text)]
    return texts, changes


def markdown(book: nbformat.NotebookNode) -> list:
    return [cell for cell in book.cells if cell.cell_type == "markdown"]


def update(page: Path, measured: dict[str, object], save: bool) -> list[str]:
    """Write the measured figures onto one page (if `save`); return what was stale there.

    A notebook is written only if a figure changed, and then only its markdown cells differ.
    """
    if page.suffix == ".md":
        (text,), changes = restate(page, [page.read_text()], measured)
        if save and changes:
            page.write_text(text)
        return changes
    book = nbformat.read(page, as_version=4)
    cells = markdown(book)
    texts, changes = restate(page, [cell.source for cell in cells], measured)
    if save and changes:
        for cell, text in zip(cells, texts, strict=True):
            cell.source = text
        nbformat.write(book, page)
    return changes


def stale(measured: dict[str, object] | None = None) -> dict[str, list[str]]:
    """Each page whose stated figures differ from the measured ones, with what differs."""
    measured = figures() if measured is None else measured
    found = {}
    for page in pages():
        changes = update(page, measured, save=False)
        if changes:
            found[str(page.relative_to(REPO))] = changes
    return found


def write(measured: dict[str, object]) -> list[str]:
    """Write the figures onto every page; return the pages that changed."""
    changed = []
    for page in pages():
        if update(page, measured, save=True):
            changed.append(str(page.relative_to(REPO)))
    return changed


def outside(page: Path, texts: list[str]) -> list[str]:
    """The texts of a page without what the tool writes there: its sentences that state figures and, in
    the guide, its tables (their markers stay)."""
    for pattern in statements(page, texts):
        texts = [pattern.sub("", text) for text in texts]
    return [REGION.sub(lambda match: match["start"] + match["end"], text) for text in texts]


def report(measured: dict[str, object]) -> str:
    rows = [f"{'chapter':<22} {'reading':>7}  exercise tasks (total)"]
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        nn = number(notebook)
        parts = ", ".join(str(measured[f"ex{nn}_{k}"]) for k in range(1, task_count(nn, measured) + 1))
        reading, total = measured[f"ch{nn}_reading"], measured[f"ex{nn}_total"]
        rows.append(f"{notebook.stem:<22} {reading:>7}  {parts} ({total})")
    rows.append(f"{'all':<22} {measured['reading_total']:>7}  ({measured['exercises_total']})")
    for name, (_, aim, _) in AGENDAS.items():
        rows.append(f"agenda {name}: {measured[f'{name}_length']} (aimed at {duration(aim)})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.minutes", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a page states a figure other than the measured one")
    args = parser.parse_args(argv)
    measured = figures()
    print(report(measured))
    if args.check:
        found = stale(measured)
        for page, changes in found.items():
            print(f"stale: {page}: {'; '.join(changes)}")
        print("stale: run python -m tools.minutes" if found else "current")
        return 1 if found else 0
    changed = write(measured)
    for page in changed:
        print(f"wrote {page}")
    print(f"wrote {len(changed)} pages" if changed else "every page already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
