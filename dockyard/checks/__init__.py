"""Exercise checks: one function per task, reading the learner's engine, never changing it.

A task module registers its checks with `@task("ex03-1", hints=[...])`; a notebook's check cell calls
`dockyard.check(client, "ex03-1")`, which prints every condition as PASS or FAIL, records a pass in
the learner's progress file, and raises CheckFailed with a hint when anything fails. The hints escalate:
a task's first failed check shows its first hint (a nudge), each later failure the next, up to the last
(the method), where it stays. `dockyard.hint("ex03-1")` shows the next one without a check. How many
of each task's hints were shown is kept beside the progress file (see dockyard.progress).
"""

from __future__ import annotations

import importlib
import pkgutil

import docker

from dockyard import progress
from dockyard.checks.core import CheckFailed, Condition, Conditions, Task, UnknownTask, summary

TASKS: dict[str, Task] = {}


def task(task_id: str, hints: list[str]):
    """Register the decorated function as the check of exercise `task_id`."""
    def register(function):
        if task_id in TASKS:
            raise ValueError(f"two checks for {task_id}")
        TASKS[task_id] = Task(task_id, function, tuple(hints))
        return function
    return register


def evaluate(client: docker.DockerClient, task_id: str) -> Conditions:
    """Every condition of one task, evaluated against the engine now."""
    conditions = Conditions()
    find(task_id).run(client, conditions)
    return conditions


def find(task_id: str) -> Task:
    """The registered task `task_id`; UnknownTask, naming the tasks there are, when there is none."""
    _load_all()
    if task_id in TASKS:
        return TASKS[task_id]
    chapter = str(task_id).split("-")[0]
    siblings = sorted(known for known in TASKS if known.split("-")[0] == chapter)
    if siblings:
        known = f"the tasks of {chapter} are {_listed(siblings)}"
    else:
        chapters = sorted({known.split("-")[0] for known in TASKS})
        known = f"a task is named by chapter and number, like ex04-1; the chapters are {_listed(chapters)}"
    raise UnknownTask(f'unknown task "{task_id}": {known}.')


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)


def check(client: docker.DockerClient, task_id: str) -> None:
    """Evaluate a task, print each condition, record a pass; raise CheckFailed, with the task's next
    hint, when any condition fails."""
    conditions = evaluate(client, task_id)
    found = TASKS[task_id]
    report = summary(found, conditions)
    if conditions.failed:
        raise CheckFailed(f"{task_id} is not done yet.\n{report}\n{_next_hint(found)}")
    print(report)
    progress.record(task_id)
    # A pass starts the task's hints over. Coming back to a task (after a reset, or to practise) is a new
    # attempt, and a learner expects it to open with the nudge, not with the method shown last time.
    progress.forget_hints(task_id)


def hint(task_id: str) -> None:
    """Print the next hint of `task_id` (and count it as shown), as a failed check would show it."""
    print(_next_hint(find(task_id)))


def _next_hint(found: Task) -> str:
    """The task's next hint, numbered ("Hint 2 of 3: ..."), and counted as shown."""
    if not found.hints:
        return "Hint: read the task again."
    total = len(found.hints)
    number = progress.next_hint(found.id, total)
    text = f"Hint {number} of {total}: {found.hints[number - 1]}"
    if number < total:
        return (f"{text}\n(The next failed check shows hint {number + 1}; "
                f'dockyard.hint("{found.id}") shows it now.)')
    return f"{text}\n(This is the last hint.)"


def _load_all() -> None:
    # Task modules sit beside this file (ex01.py, ex02.py, ...); importing one registers its checks.
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ex"):
            importlib.import_module(f"{__name__}.{module.name}")


__all__ = ["CheckFailed", "Condition", "Conditions", "TASKS", "UnknownTask", "check", "evaluate", "find",
           "hint", "task"]
