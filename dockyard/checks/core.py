"""What a check is: conditions on the engine's state, each passed or failed with what was found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import docker

from dockyard.errors import CourseError


@dataclass(frozen=True)
class Condition:
    label: str
    passed: bool
    found: str = ""
    expected: str = ""

    def line(self) -> str:
        if self.passed:
            return f"PASS {self.label}"
        detail = f"found {self.found or 'nothing'}" + (f", expected {self.expected}" if self.expected else "")
        return f"FAIL {self.label}: {detail}"


@dataclass
class Conditions:
    """The conditions one check evaluates, in order; every one is evaluated, none stops the rest."""

    items: list[Condition] = field(default_factory=list)

    def check(self, label: str, passed, found="", expected="") -> bool:
        self.items.append(Condition(label, bool(passed), _text(found), _text(expected)))
        return bool(passed)

    def equal(self, label: str, found, expected) -> bool:
        return self.check(label, found == expected, found, expected)

    @property
    def failed(self) -> list[Condition]:
        return [item for item in self.items if not item.passed]


@dataclass(frozen=True)
class Task:
    id: str
    run: Callable[[docker.DockerClient, Conditions], None]
    hints: tuple[str, ...]


class CheckFailed(CourseError):
    """Some conditions of an exercise are not met; the message lists every one, and a hint."""


def summary(task: Task, conditions: Conditions) -> str:
    met = len(conditions.items) - len(conditions.failed)
    lines = [item.line() for item in conditions.items]
    lines.append(f"{met} of {len(conditions.items)} conditions met")
    return "\n".join(lines)


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(map(str, value)) or "none"
    return str(value)
