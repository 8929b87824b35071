"""What a check is: conditions on the engine's state, each passed or failed with what was found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import docker

from dockyard.checks import read
from dockyard.errors import CourseError
from dockyard.labels import LABEL


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


class UnknownTask(CourseError):
    """A check or a hint was asked for a task id the course does not have; the message names those it has."""


def summary(task: Task, conditions: Conditions) -> str:
    met = len(conditions.items) - len(conditions.failed)
    lines = [item.line() for item in conditions.items]
    lines.append(f"{met} of {len(conditions.items)} conditions met")
    return "\n".join(lines)


# Conditions every exercise asks for ------------------------------------------------------------

def labelled(c: Conditions, found, name: str, chapter: str) -> None:
    c.equal(f"{name} carries the label {LABEL}={chapter}", read.chapter_label(found), chapter)


def image(c: Conditions, client: docker.DockerClient, tag: str, chapter: str | None = None):
    """The image, which must exist (and carry the chapter's label, when given); None without it."""
    found = read.image(client, tag)
    c.check(f"image {tag} exists", found, found="no such image")
    if chapter is not None:
        labelled(c, found, tag, chapter)
    return found


def container(c: Conditions, client: docker.DockerClient, name: str, chapter: str, image: str | None = None,
              status: str | None = None):
    """The container, which must exist and carry the chapter's label, and, when given, run `image` and
    be in `status`; None without it."""
    found = read.container(client, name)
    c.check(f"container {name} exists", found, found="no such container")
    labelled(c, found, name, chapter)
    if image:
        c.equal(f"{name} runs the image {image}", read.config(found).get("Image"), image)
    if status:
        state = "has exited" if status == "exited" else f"is {status}"
        c.equal(f"{name} {state}", read.status(found), status)
    return found


def named_container(c: Conditions, client: docker.DockerClient, name: str, image: str | None = None,
                    status: str | None = None):
    """The container, which must exist, and, when given, run the image now tagged `image` and be in
    `status`; None without it. No label is asked for: an answer typed as at work carries none, and its
    name makes it the exercise's. The image is compared by ID, so an earlier build under the same tag,
    or another image, is not it."""
    found = read.container(client, name)
    c.check(f"container {name} exists", found, found="no such container")
    if image:
        wanted = read.image(client, image)
        ran = found.attrs.get("Image") if found is not None else None
        named = read.config(found).get("Image")
        what = ("no container" if found is None else f"no image {image} to compare" if wanted is None
                else f"an earlier build of {image}" if named == image else named or ran)
        c.check(f"{name} runs the image {image}", wanted is not None and ran == wanted.id, found=what,
                expected=image)
    if status:
        state = "has exited" if status == "exited" else f"is {status}"
        c.equal(f"{name} {state}", read.status(found), status)
    return found


def exited_ok(c: Conditions, found, name: str) -> None:
    status, code = read.status(found), read.exit_code(found)
    c.check(f"{name} has exited with code 0", code == 0,
            found=f"{status}, exit code {code}" if found is not None else "no container",
            expected="exited, exit code 0")


def printed(c: Conditions, found, name: str, what: str, first_line: bool = False) -> None:
    """The container printed exactly `what` (its whole standard output, stripped), or, with `first_line`,
    output that starts with the line `what`, for a program whose output goes on (a calendar's days)."""
    output = read.logs(found, stderr=False)
    shown = next((line.strip() for line in output.splitlines() if line.strip()), "") if first_line else output
    c.check(f"{name} printed {what}", shown == what, found=shorten(shown, 60) or "no output", expected=what)


def shorten(text: str, width: int = 70) -> str:
    """One line of at most `width` characters, for a condition's `found`."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[:width - 3] + "..."


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(map(str, value)) or "none"
    return str(value)
