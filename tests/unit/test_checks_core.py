"""The exercise-check machinery: messages, progress, handouts."""

import json
import re

import nbformat
import pytest

import dockyard
from dockyard import checks, handouts, progress
from dockyard.checks import core
from dockyard.checks.core import Conditions


@pytest.fixture(autouse=True)
def own_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_PROGRESS", str(tmp_path / "progress.json"))


def test_a_failed_condition_says_what_was_found_and_expected():
    conditions = Conditions()
    conditions.equal("it is running", "exited", "running")
    assert conditions.items[0].line() == "FAIL it is running: found exited, expected running"


def test_every_task_has_hints_that_escalate_and_a_notebook_that_uses_it():
    checks._load_all()
    used = "".join(path.read_text() for path in handouts.EXERCISES.glob("*.ipynb"))
    for task_id, task in checks.TASKS.items():
        assert len(task.hints) >= 2, task_id
        assert f'dockyard.check(client, \\"{task_id}\\")' in used, f"{task_id} is checked by no notebook"


@pytest.mark.chapter_lock("ex01")  # test_checks_ex01 builds ex01-1's right answer on the other worker
def test_a_failing_check_raises_one_clear_error_and_records_nothing(client):
    with pytest.raises(checks.CheckFailed) as caught:
        dockyard.check(client, "ex01-1")
    message = str(caught.value)
    assert "FAIL container dockyard-ex01-1-hello exists: found no such container" in message
    hints = checks.TASKS["ex01-1"].hints
    assert "conditions met" in message and f"Hint 1 of {len(hints)}: {hints[0]}" in message  # a fresh start
    assert progress.load() == []


def test_a_passing_check_records_chapter_task_and_time(client, monkeypatch):
    monkeypatch.setitem(checks.TASKS, "ex99-1", checks.Task("ex99-1", lambda c, cs: cs.check("ok", True), ()))
    dockyard.check(client, "ex99-1")
    dockyard.check(client, "ex99-1")  # passing again refreshes the entry, it does not add one
    entries = progress.load()
    assert [(e["chapter"], e["task"]) for e in entries] == [("ex99", "ex99-1")]
    assert entries[0]["passed_at"].endswith("+00:00")
    assert json.loads(progress.path().read_text()) == entries


def test_handouts_drop_solutions_and_outputs_and_keep_tasks_hints_and_checks(tmp_path):
    written = handouts.write(tmp_path)
    assert [path.name for path in written] == sorted(p.name for p in handouts.EXERCISES.glob("*.ipynb"))
    for path in written:
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        sources = [cell.source for cell in book.cells]
        tags = [tag for cell in book.cells for tag in cell.metadata.get("tags", [])]
        assert not any("{solution-start}" in s or "{solution-end}" in s for s in sources), path.name
        assert "solution" not in tags and "check" in tags and "learner" in tags
        assert any("{dropdown} Hint" in s for s in sources)
        assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code")


def test_learner_cells_name_what_to_make_and_give_no_command_away():
    for path in sorted(handouts.EXERCISES.glob("*.ipynb")):
        book = nbformat.read(path, as_version=4)
        cells = [cell for cell in book.cells if "learner" in cell.metadata.get("tags", [])]
        assert cells, path.name
        for cell in cells:
            lines = cell.source.strip().splitlines()
            assert cell.cell_type == "code" and not cell.get("outputs"), path.name
            assert len(lines) == 1 and lines[0].startswith("# Your commands: "), (path.name, cell.source)
            # no command, flag or call: the method is the hints' to give, the last hint's at the latest
            assert not re.search(r"\bdocker\b|\s--?[a-z]|\w\(|<<", cell.source), (path.name, cell.source)


class Printed:
    """A container that printed `stdout`, as far as read.logs sees it."""

    def __init__(self, stdout: str):
        self.stdout = stdout

    def logs(self, tail, stderr):
        return self.stdout.encode()


@pytest.mark.parametrize(("stdout", "first_line", "passed"), [
    ("bonjour\n", False, True),
    ("bonjour\nand more\n", False, False),  # a task that says "printed X" means X and nothing else
    ("   January 2000\nMo Tu We\n", True, True),  # a calendar goes on after its first line
    ("\n", True, False),
])
def test_printed_compares_the_whole_output_unless_told_to_read_its_first_line(stdout, first_line, passed):
    conditions = Conditions()
    expected = "January 2000" if first_line else "bonjour"
    core.printed(conditions, Printed(stdout), "box", expected, first_line=first_line)
    assert [(item.label, item.passed) for item in conditions.items] == [(f"box printed {expected}", passed)]
