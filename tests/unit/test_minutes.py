"""The minutes the book states: measured from the notebooks, kept in one place, read from there alone.

`python -m tools.minutes` writes every figure into the book's substitutions in `_config.yml`; the
chapters' `Time:` lines, the exercise pages and the instructor guide show them as `{{ name }}`. These
tests measure again (a notebook edit that changes a time fails here until the tool has run), and look
for a minute stated any other way. No engine is needed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import nbformat
import pytest
import yaml

from dockyard import handouts
from dockyard.shell import REPO
from tools import minutes

GUIDE = REPO / "instructors" / "guide.md"
NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "exercises").glob("*.ipynb"))
# A minute, an hour or a Time: line written with a number: what only a substitution may state.
HARD_CODED = [
    re.compile(r"Time:\**\s*(?:about\s+)?\d"),
    re.compile(r"\b\d+(?:\.\d+)?\s*(?:min|mins|minutes?)\b"),
    re.compile(r"\b\d+(?:\.\d+)?\s*hours?\b"),
]


def markdown(notebook) -> list[str]:
    cells = nbformat.read(notebook, as_version=4).cells
    return [cell.source for cell in cells if cell.cell_type == "markdown"]


def pages() -> dict[str, str]:
    """The text of every page that states minutes: the notebooks' markdown cells and the guide."""
    found = {str(path.relative_to(REPO)): "\n\n".join(markdown(path)) for path in NOTEBOOKS}
    found[str(GUIDE.relative_to(REPO))] = GUIDE.read_text()
    return found


def test_the_stored_minutes_are_the_measured_ones():
    measured, kept = minutes.substitutions(), minutes.stored()
    stale = {name: (kept.get(name), value) for name, value in measured.items() if kept.get(name) != value}
    extra = sorted(set(kept) - set(measured))
    assert not stale and not extra, (
        f"the notebooks measure otherwise than _config.yml says (name: (kept, measured)): {stale}; "
        f"kept but no longer measured: {extra}. Run `python -m tools.minutes`.")


def test_the_config_holds_one_block_of_minutes():
    """YAML keeps the last of two equal keys without a word: a second `parse:` would hide the first."""
    text = minutes.CONFIG.read_text()
    assert len(re.findall(r"^parse:", text, flags=re.M)) == 1
    assert len(minutes.WRITTEN.findall(text)) == 1


def test_every_code_cell_stores_its_run_time():
    for notebook in NOTEBOOKS:
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code":
                assert minutes.seconds(cell, notebook.name) >= 0


def test_every_substitution_a_page_uses_is_stored():
    kept = minutes.stored()
    for page, text in pages().items():
        missing = sorted(set(minutes.SUBSTITUTION.findall(text)) - set(kept))
        assert not missing, f"{page} uses substitutions that _config.yml does not hold: {missing}"


@pytest.mark.parametrize("page", list(pages()))
def test_no_page_states_minutes_any_other_way(page):
    text = pages()[page]
    found = [match[0] for pattern in HARD_CODED for match in pattern.finditer(text)]
    assert not found, f"{page} states time without a substitution: {found}"


def test_the_guide_tables_take_every_figure_from_the_substitutions():
    """Minutes, start times and seconds in the guide's tables are substitutions, never typed numbers."""
    for line in GUIDE.read_text().splitlines():
        if not line.startswith("|"):
            continue
        for cell in (cell.strip() for cell in line.strip("|").split("|")):
            typed = minutes.SUBSTITUTION.sub("", cell)
            assert not re.search(r"\d", re.sub(r"\{doc\}`[^`]*`|task[s]? [\d ,and]+", "", typed)), line


@pytest.mark.parametrize("notebook", sorted((REPO / "chapters").glob("*.ipynb")), ids=lambda path: path.stem)
def test_each_page_reads_its_own_minutes(notebook):
    nn = notebook.name[:2]
    header = markdown(notebook)[0]
    time_line = re.search(r"Time:.*", header, flags=re.S)[0]
    assert f"{{{{ ch{nn}_reading }}}} min reading" in time_line
    assert f"{{{{ ex{nn}_total }}}} min" in time_line.replace("\n", " ")
    exercises = markdown(REPO / "exercises" / notebook.name)
    assert f"**Time:** {{{{ ex{nn}_total }}}} min in all" in exercises[0]
    starts = [text for text in exercises if "{exercise-start}" in text]
    for number, text in enumerate(starts, 1):
        assert f":label: ex{nn}-{number}" in text
        assert f"**Time:** {{{{ ex{nn}_{number} }}}} min." in text


def test_a_learners_handout_shows_the_minutes_themselves():
    for notebook in sorted((REPO / "exercises").glob("*.ipynb")):
        copy = handouts.handout(notebook)
        text = "\n".join(cell.source for cell in copy.cells if cell.cell_type == "markdown")
        assert not minutes.SUBSTITUTION.search(text), notebook.name
        assert f"**Time:** {minutes.stored()[f'ex{notebook.name[:2]}_1']} min." in text
    copy = handouts.handout(REPO / "exercises" / "02-images.ipynb")
    assert "'{{.Image}}'" in "".join(cell.source for cell in copy.cells)  # a Go template stays as it is


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
        timed("# $ docker ps\nclient.containers.list()\n\n", 30.0),   # 2 lines: 0.2 min, and 0.5 min run
    ])
    path = tmp_path / "99-demo.ipynb"
    nbformat.write(notebook, path)
    measured = minutes.chapter(path)
    assert (measured.words, measured.code_lines, measured.seconds) == (400, 2, 30.0)
    assert measured.minutes == pytest.approx(2.7) and measured.rounded == 5
    notebook.cells.append(nbformat.v4.new_markdown_cell("word " * 600))  # 3 min more: over the step
    nbformat.write(notebook, path)
    assert minutes.chapter(path).rounded == 10


def test_a_task_runs_from_its_heading_to_the_next_and_its_solution_is_typed(tmp_path):
    def task(number: int, solution: str) -> list:
        return [
            nbformat.v4.new_markdown_cell(f"## Do thing {number}"),
            nbformat.v4.new_markdown_cell(f"```{{exercise-start}} Thing\n:label: ex99-{number}\n```\n\n"
                                          + "word " * 200),
            timed("# Your code here\n", metadata={"tags": ["learner"]}),
            nbformat.v4.new_markdown_cell("```{exercise-end}\n```"),
            timed(solution, 60.0, metadata={"tags": ["solution"]}),
            timed(f'dockyard.check(client, "ex99-{number}")', 6.0, metadata={"tags": ["check"]}),
        ]
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


def test_writing_keeps_the_rest_of_the_config_and_twice_changes_nothing(tmp_path, monkeypatch):
    config = tmp_path / "_config.yml"
    config.write_text("title: Demo\n# a remark of the author's\nexecute:\n  execute_notebooks: 'off'\n")
    monkeypatch.setattr(minutes, "CONFIG", config)
    figures = {"ch01_reading": 30, "half_1_at": "9:00"}
    assert minutes.write(figures)
    text = config.read_text()
    assert text.startswith("title: Demo\n# a remark of the author's\n")
    assert minutes.stored() == figures  # "9:00" stays a string, not YAML's sexagesimal 540
    assert not minutes.write(figures)
    assert minutes.write({**figures, "ch01_reading": 35})
    assert config.read_text().count("myst_substitutions") == 1
    config.write_text(config.read_text().replace("--- minutes: written", "--- minutes: once written"))
    assert minutes.write(figures) and config.read_text().count("myst_substitutions") == 1
    assert yaml.safe_load(config.read_text())["execute"] == {"execute_notebooks": "off"}


def test_the_agendas_keep_to_their_length():
    for name, (length, aim) in minutes.lengths().items():
        assert abs(length - aim) <= 15, f"agenda {name} takes {length} min, planned for {aim}: plan it again"


def test_resolve_fills_in_names_and_leaves_go_templates():
    text = "{{ ch01_reading }} min, `{{.State.Pid}}`, `{{json .Config}}`, {{ unknown }}"
    assert minutes.resolve(text, {"ch01_reading": 30}) == \
        "30 min, `{{.State.Pid}}`, `{{json .Config}}`, {{ unknown }}"
