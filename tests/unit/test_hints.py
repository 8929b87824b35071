"""Hints that escalate: each failed check of a task shows its next hint, and dockyard.hint() shows one on
demand. No engine: a throwaway task whose condition is what the test says, and a dummy client it never
uses."""

import json
import os
from pathlib import Path

import pytest

import dockyard
from dockyard import checks, progress
from dockyard.checks import CheckFailed, UnknownTask
from dockyard.errors import CourseError

TASK = "ex99-7"
HINTS = ("a nudge", "the method", "the argument")


class Switch:
    """The throwaway task's one condition; a test turns it on to make the task pass."""

    done = False


@pytest.fixture(autouse=True)
def own_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_PROGRESS", str(tmp_path / "progress.json"))


@pytest.fixture
def throwaway():
    """A task registered for one test, and removed from TASKS again whatever the test did."""
    checks._load_all()  # first, so that a later load registers nothing over it
    switch = Switch()
    checks.TASKS[TASK] = checks.Task(TASK, lambda client, c: c.check("the switch is on", switch.done), HINTS)
    try:
        yield switch
    finally:
        del checks.TASKS[TASK]
    assert TASK not in checks.TASKS


def failed_hint() -> str:
    """The last line but one of a failed check's message: the hint it showed."""
    with pytest.raises(CheckFailed) as caught:
        dockyard.check(object(), TASK)  # the task never uses its client
    return str(caught.value).splitlines()[-2]


def shown(capsys) -> str:
    """What dockyard.hint printed: its hint line."""
    dockyard.hint(TASK)
    return capsys.readouterr().out.splitlines()[0]


def test_two_failures_in_a_row_show_hint_one_then_hint_two(throwaway):
    assert failed_hint() == "Hint 1 of 3: a nudge"
    assert failed_hint() == "Hint 2 of 3: the method"


def test_a_failure_says_how_to_see_the_next_hint_until_the_last(throwaway):
    with pytest.raises(CheckFailed) as caught:
        dockyard.check(object(), TASK)
    message = str(caught.value)
    assert message.startswith(f"{TASK} is not done yet.\nFAIL the switch is on")
    assert message.endswith(f'(The next failed check shows hint 2; dockyard.hint("{TASK}") shows it now.)')
    failed_hint()
    with pytest.raises(CheckFailed) as caught:
        dockyard.check(object(), TASK)
    assert str(caught.value).endswith("Hint 3 of 3: the argument\n(This is the last hint.)")


def test_after_the_last_hint_it_stays_on_the_last(throwaway):
    seen = [failed_hint() for _ in range(5)]
    assert seen == ["Hint 1 of 3: a nudge", "Hint 2 of 3: the method"] + ["Hint 3 of 3: the argument"] * 3
    assert json.loads(progress.hints_path().read_text()) == {TASK: 3}


def test_hint_on_demand_advances_and_counts_as_shown(throwaway, capsys):
    assert shown(capsys) == "Hint 1 of 3: a nudge"
    assert failed_hint() == "Hint 2 of 3: the method"  # the check goes on from the hint already shown
    assert shown(capsys) == "Hint 3 of 3: the argument"
    assert shown(capsys) == "Hint 3 of 3: the argument"


def test_counts_are_kept_beside_the_progress_file_which_keeps_its_format(throwaway, capsys):
    failed_hint()
    assert progress.hints_path() == progress.path().with_name("hints.json")
    assert not progress.path().exists(), "a failure records no progress"
    throwaway.done = True
    dockyard.check(object(), TASK)
    entries = json.loads(progress.path().read_text())
    assert isinstance(entries, list) and [entry["task"] for entry in entries] == [TASK]
    assert progress.load() == entries


def test_a_pass_starts_the_hints_of_that_task_over(throwaway, capsys):
    progress.next_hint("ex98-1", 3)  # another task's count stays
    assert failed_hint() == "Hint 1 of 3: a nudge"
    assert failed_hint() == "Hint 2 of 3: the method"
    throwaway.done = True
    dockyard.check(object(), TASK)
    assert progress.hints_shown() == {"ex98-1": 1}
    throwaway.done = False
    assert failed_hint() == "Hint 1 of 3: a nudge"


def test_no_file_yet_starts_at_the_first_hint_and_makes_the_folder(throwaway, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_PROGRESS", str(tmp_path / "new" / "folder" / "progress.json"))
    assert progress.hints_shown() == {}
    assert failed_hint() == "Hint 1 of 3: a nudge"
    assert (tmp_path / "new" / "folder" / "hints.json").exists()


def test_an_old_progress_file_a_plain_list_still_loads_and_is_left_as_it_was(throwaway, tmp_path):
    old = [{"chapter": "ex01", "task": "ex01-1", "passed_at": "2025-01-01T00:00:00+00:00"}]
    progress.path().write_text(json.dumps(old, indent=1))
    before = progress.path().read_bytes()
    assert failed_hint() == "Hint 1 of 3: a nudge"
    assert failed_hint() == "Hint 2 of 3: the method"
    assert progress.load() == old
    assert progress.path().read_bytes() == before


@pytest.mark.parametrize("written", ["", "not json", "[1, 2]", '{"ex99-7": "two", "ex98-1": -1}'])
def test_an_unreadable_or_strange_hints_file_counts_as_no_hint_shown(throwaway, written):
    progress.path().with_name("hints.json").write_text(written)
    assert failed_hint() == "Hint 1 of 3: a nudge"
    assert failed_hint() == "Hint 2 of 3: the method"


def test_progress_sent_to_devnull_keeps_no_counts_and_writes_nothing_beside_it(throwaway, monkeypatch):
    beside = Path(os.devnull).with_name("hints.json")
    existed = beside.exists()
    monkeypatch.setenv("DOCKYARD_PROGRESS", os.devnull)
    assert progress.hints_path() is None
    assert [failed_hint() for _ in range(2)] == ["Hint 1 of 3: a nudge"] * 2
    assert beside.exists() == existed


def test_an_unknown_task_in_a_known_chapter_is_named_with_the_chapters_tasks():
    with pytest.raises(UnknownTask) as caught:
        dockyard.hint("ex04-9")
    listed = sorted(task for task in checks.TASKS if task.startswith("ex04-"))
    assert str(caught.value) == (f'unknown task "ex04-9": the tasks of ex04 are {", ".join(listed[:-1])} and '
                                 f"{listed[-1]}.")


@pytest.mark.parametrize("task_id", ["ex04-9", "ex4-4", "hello"])
def test_an_unknown_task_gets_a_course_error_that_says_so_and_counts_nothing(task_id, capsys):
    with pytest.raises(UnknownTask) as caught:
        dockyard.hint(task_id)
    assert isinstance(caught.value, CourseError)
    assert str(caught.value).startswith(f'unknown task "{task_id}": ')
    if not task_id.startswith("ex04-"):
        assert "like ex04-1; the chapters are ex01, ex02" in str(caught.value)
    assert capsys.readouterr().out == ""
    with pytest.raises(UnknownTask):
        dockyard.check(object(), task_id)
    assert progress.hints_shown() == {}
    assert not progress.path().with_name("hints.json").exists()
