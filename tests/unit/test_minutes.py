"""The minutes the book states: measured from the notebooks, written onto the pages as plain numbers.

`python -m tools.minutes` writes each figure into the sentence that states it (a chapter's `Time:`
line, an exercise page's total and each task's line, the instructor guide's paces and totals) and
writes the guide's tables whole. These tests measure again and fail while any page states a figure
other than the measured one (a notebook edit that changes a time fails here until the tool has run),
and look for a minute stated anywhere the tool does not write. No engine is needed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import nbformat
import pytest

from dockyard import handouts
from dockyard.shell import REPO
from tools import minutes

GUIDE = minutes.GUIDE
# A minute, an hour or a Time: line written with a number: what only the tool may write.
HARD_CODED = [
    re.compile(r"Time:\**\s*(?:about\s+)?\d"),
    re.compile(r"\b\d+(?:\.\d+)?\s*(?:min|mins|minutes?)\b"),
    re.compile(r"\b\d+(?:\.\d+)?\s*hours?\b"),
]


@pytest.fixture(scope="module")
def measured() -> dict[str, object]:
    return minutes.figures()


def markdown(notebook) -> list[str]:
    return [cell.source for cell in minutes.markdown(nbformat.read(notebook, as_version=4))]


def texts(page) -> list[str]:
    """A page's text: a notebook's markdown cells, or the guide."""
    return [page.read_text()] if page.suffix == ".md" else markdown(page)


def test_every_page_states_the_measured_minutes(measured):
    stale = minutes.stale(measured)
    listed = "\n".join(f"  {page}: {'; '.join(changes)}" for page, changes in stale.items())
    assert not stale, f"pages that state other figures than the notebooks measure (name: stated -> " \
                      f"measured):\n{listed}\nRun `python -m tools.minutes`."


@pytest.mark.parametrize("notebook", sorted(minutes.CHAPTERS.glob("*.ipynb")), ids=lambda path: path.stem)
def test_each_page_states_its_own_minutes(notebook, measured):
    """Read as a learner reads them in Jupyter: the numbers themselves, in the sentences they belong to."""
    nn = notebook.name[:2]
    header = " ".join("\n".join(markdown(notebook)[:3]).split())
    assert f"**Time:** {measured[f'ch{nn}_reading']} min reading" in header
    if not (REPO / "exercises" / notebook.name).exists():  # its exercise page is not written yet
        assert f"**Time:** {measured[f'ch{nn}_reading']} min reading." in header
        return
    assert f"{measured[f'ex{nn}_total']} min exercises" in header
    exercises = markdown(REPO / "exercises" / notebook.name)
    assert f"**Time:** {measured[f'ex{nn}_total']} min in all" in exercises[0]
    starts = [text for text in exercises if "{exercise-start}" in text]
    assert len(starts) == minutes.task_count(nn, measured)
    for number, text in enumerate(starts, 1):
        assert f":label: ex{nn}-{number}" in text
        assert f"**Time:** {measured[f'ex{nn}_{number}']} min." in text


def test_every_code_cell_stores_its_run_time():
    for notebook in (page for page in minutes.pages() if page.suffix == ".ipynb"):
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code":
                assert minutes.seconds(cell, notebook.name) >= 0


@pytest.mark.parametrize("page", minutes.pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_no_page_states_minutes_any_other_way(page):
    """Outside the sentences and tables the tool writes, no number of minutes or hours: it would not be
    measured, and would go stale."""
    rest = "\n\n".join(minutes.outside(page, texts(page)))
    found = [match[0] for pattern in HARD_CODED for match in pattern.finditer(rest)]
    assert not found, f"{page.name} states time the tool does not write: {found}"


def test_the_guide_has_no_table_of_figures_but_the_ones_the_tool_writes():
    """A minute, a start time or a run time in a table, typed by hand, would go stale unseen."""
    rest = minutes.outside(GUIDE, [GUIDE.read_text()])[0]
    rows = [line for line in rest.splitlines() if line.startswith("|") and re.search(r"\d", line)]
    assert not rows, f"rows with numbers outside the tables between <!-- minutes:NAME --> markers: {rows}"


@pytest.mark.parametrize("page", minutes.pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_no_page_uses_a_substitution(page):
    """Jupyter shows `{{ name }}` as it stands, and the book defines none: a page states the number."""
    for text in texts(page):
        prose = re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.S)
        assert not re.search(r"\{\{\s*\w+\s*\}\}", prose), page.name


def test_a_learners_handout_shows_the_minutes(measured):
    for notebook in sorted(minutes.EXERCISES.glob("*.ipynb")):
        copy = handouts.handout(notebook)
        text = "\n".join(cell.source for cell in copy.cells if cell.cell_type == "markdown")
        assert f"**Time:** {measured[f'ex{notebook.name[:2]}_1']} min." in text


def timed(source: str, seconds: float = 0.0, **kwargs):
    """A code cell as a recorded run leaves it: with the moments its run began and ended."""
    cell = nbformat.v4.new_code_cell(source, **kwargs)
    start = datetime(2026, 1, 1, 10, tzinfo=UTC)
    cell.metadata["execution"] = {
        "iopub.execute_input": start.isoformat().replace("+00:00", "Z"),
        "shell.execute_reply": (start + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
    }
    return cell


def test_a_chapter_is_its_prose_its_code_and_its_run_time(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("word " * 400),                  # 2 min of prose
        # a Docker step: a Terminal tab of 1 line and a Python tab of 2; a reader reads one, the longer
        timed("# $ docker ps\nfound = client.containers.list()\nprint(found)\n\n", 30.0),  # 0.5 min run
        timed("# $ docker ps -a\n# $ docker images\nclient.images.list()", 0.0),  # 2 lines again
        timed("assert found == []", 0.0, metadata={"tags": ["remove-cell"]}),  # not on the page
    ])
    path = tmp_path / "99-demo.ipynb"
    nbformat.write(notebook, path)
    measured = minutes.chapter(path)
    assert (measured.words, measured.code_lines, measured.seconds) == (400, 4, 30.0)
    assert measured.minutes == pytest.approx(2.9) and measured.rounded == 5
    notebook.cells.append(nbformat.v4.new_markdown_cell("word " * 600))  # 3 min more: over the step
    nbformat.write(notebook, path)
    assert minutes.chapter(path).rounded == 10


def task(number: int, solution: str, stated: int | None = None) -> list:
    """The cells of a task, from its heading to its check; with a `**Time:**` line if `stated`."""
    time_line = f"**Time:** {stated} min.\n\n" if stated is not None else ""
    return [
        nbformat.v4.new_markdown_cell(f"## Do thing {number}"),
        nbformat.v4.new_markdown_cell(f"```{{exercise-start}} Thing\n:label: ex99-{number}\n```\n\n"
                                      + time_line + "word " * 200),
        timed("# Your code here\n", metadata={"tags": ["learner"]}),
        nbformat.v4.new_markdown_cell("```{exercise-end}\n```"),
        timed(solution, 60.0, metadata={"tags": ["solution"]}),
        timed(f'dockyard.check(client, "ex99-{number}")', 6.0, metadata={"tags": ["check"]}),
    ]


def test_a_task_runs_from_its_heading_to_the_next_and_its_solution_is_typed(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Exercises: Demo\n\n" + "word " * 1000),  # before any task
        *task(1, "# $ docker run x\nclient.containers.run('x')\n"),
        *task(2, "a = 1\n" * 20),
        nbformat.v4.new_markdown_cell("## Clean up"),
        timed("dockyard.cleanup(client, CHAPTER)", 600.0),
    ])
    path = tmp_path / "99-demo.ipynb"
    nbformat.write(notebook, path)
    found = minutes.tasks(path)
    assert list(found) == ["ex99-1", "ex99-2"]
    first = found["ex99-1"]
    # the heading's 4 words, the task's 205 and the exercise-end's 2; the learner and check cells' lines;
    # the solution's one line that is no comment; the run time of the three code cells
    assert (first.words, first.code_lines, first.typed_lines, first.seconds) == (211, 2, 1, 66.0)
    assert first.minutes == pytest.approx(211 / 200 + 0.2 + 0.5 + 1.1) and first.rounded == 5
    assert found["ex99-2"].typed_lines == 20 and found["ex99-2"].rounded == 15


def test_rounding_goes_up_to_the_step():
    assert [minutes.rounded(value) for value in (0, 0.1, 5, 5.01, 9.99, 10)] == [5, 5, 5, 10, 10, 10]


def test_a_code_cell_without_its_run_time_is_refused():
    with pytest.raises(minutes.MissingTiming, match="make execute"):
        minutes.seconds(nbformat.v4.new_code_cell("x = 1"), "99-demo.ipynb")


def test_writing_changes_the_figures_alone_and_twice_changes_nothing(tmp_path):
    folder = tmp_path / "chapters"
    folder.mkdir()
    page = folder / "99-demo.ipynb"
    header = ("# Demo\n\n**Time:** 25 min reading (one cell waits 10 seconds, on purpose), 15 min\n"
              "exercises. **You need:** an engine.")
    result = nbformat.v4.new_output("execute_result", {"text/plain": "True"}, execution_count=1)
    code = timed("client.ping()", 2.0, execution_count=1, outputs=[result])
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(header), code]), page)
    before = page.read_bytes()
    figures = {"ch99_reading": 30, "ex99_total": 105}
    assert minutes.update(page, figures, save=False) == ["ch99_reading: 25 -> 30", "ex99_total: 15 -> 105"]
    assert page.read_bytes() == before  # a check writes nothing
    minutes.update(page, figures, save=True)
    assert page.read_bytes() == before.replace(b"25 min reading", b"30 min reading").replace(
        b"15 min\\n", b"105 min\\n")
    assert minutes.update(page, figures, save=True) == [] and page.read_bytes() == before.replace(
        b"25 min reading", b"30 min reading").replace(b"15 min\\n", b"105 min\\n")


def test_an_exercise_page_states_its_total_and_each_task(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    page = folder / "99-demo.ipynb"
    intro = nbformat.v4.new_markdown_cell("# Exercises: Demo\n\n**Time:** 20 min in all; each task says so.")
    figures = {"ex99_total": 20, "ex99_1": 5, "ex99_2": 15}
    cells = [intro, *task(1, "x = 1", 10), *task(2, "y = 2", 15)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), page)
    assert minutes.update(page, figures, save=True) == ["ex99_1: 10 -> 5"]
    assert "**Time:** 5 min." in markdown(page)[2]
    nbformat.write(nbformat.v4.new_notebook(cells=[intro, *task(1, "x = 1", 5), *task(2, "y = 2")]), page)
    with pytest.raises(ValueError, match="there 0 times"):  # a task that lost its Time: line
        minutes.update(page, figures, save=False)


def test_the_guide_gets_its_sentences_and_tables_back():
    measured = minutes.figures()
    (current,), _ = minutes.restate(GUIDE, [GUIDE.read_text()], measured)
    edited = re.sub(r"\*\*Half day, [^.]*\.\*\*", "**Half day, 1 h.**", current)
    edited = re.sub(r"(\| Containers, task 1 \| )\d+", r"\g<1>1", edited, count=1)  # in the half day's table
    (restored,), changes = minutes.restate(GUIDE, [edited], measured)
    assert restored == current
    assert changes == [f"half_length: 1 h -> {measured['half_length']}", "table half"]
    gone = re.sub(r"<!-- minutes:machine -->.*?<!-- minutes:end -->\n", "", current, flags=re.S)
    with pytest.raises(ValueError, match="machine"):
        minutes.restate(GUIDE, [gone], measured)


def test_a_block_is_named_after_its_chapter_and_tasks():
    assert minutes.Block("01").named() == "Why containers"
    assert minutes.Block("03", 1).named() == "Containers, task 1"
    assert minutes.Block("04", 2, 3, reading=False).named() == "Exercises: Writing Dockerfiles, tasks 2 and 3"
    assert minutes.BREAK.named() == "Break"


def test_the_agendas_keep_to_their_length(measured):
    for name, (length, aim) in minutes.lengths(measured).items():
        assert abs(length - aim) <= 15, f"agenda {name} takes {length} min, planned for {aim}: plan it again"
