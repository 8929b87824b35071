"""Exercise checks: one function per task, reading the learner's engine, never changing it.

A task module registers its checks with `@task("ex03-1", hints=[...])`; a notebook's check cell calls
`dockyard.check(client, "ex03-1")`, which prints every condition as PASS or FAIL, records a pass in
the learner's progress file, and raises CheckFailed with the first hint when anything fails.
"""

from __future__ import annotations

import importlib
import pkgutil

import docker

from dockyard import progress
from dockyard.checks.core import CheckFailed, Condition, Conditions, Task, summary

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
    _load_all()
    conditions = Conditions()
    TASKS[task_id].run(client, conditions)
    return conditions


def check(client: docker.DockerClient, task_id: str) -> None:
    """Evaluate a task, print each condition, record a pass; raise CheckFailed when any condition fails."""
    conditions = evaluate(client, task_id)
    found = TASKS[task_id]
    report = summary(found, conditions)
    if conditions.failed:
        hint = found.hints[0] if found.hints else "read the task again."
        raise CheckFailed(f"{task_id} is not done yet.\n{report}\nHint: {hint}")
    print(report)
    progress.record(task_id)


def _load_all() -> None:
    # Task modules sit beside this file (ex01.py, ex02.py, ...); importing one registers its checks.
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ex"):
            importlib.import_module(f"{__name__}.{module.name}")


__all__ = ["CheckFailed", "Condition", "Conditions", "TASKS", "check", "evaluate", "task"]
