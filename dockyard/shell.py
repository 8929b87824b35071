"""Running a docker command line from a lesson cell, exactly as a learner types it in a terminal.

Commands run from the repository's root folder (where a learner who cloned the course stands), with
stderr folded into stdout in the order the command wrote them.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from dockyard import locks
from dockyard.errors import CourseError


def course_folder() -> Path:
    """The folder holding the course (chapters/, exercises/, sample-app/), where a learner who cloned it
    stands: DOCKYARD_COURSE if set; else the checkout this package sits in (an editable install, or
    dockyard/ on the path); else, for an installed package, the working folder or the nearest one above
    it with sample-app/ (a notebook's kernel starts in chapters/ or exercises/)."""
    if os.environ.get("DOCKYARD_COURSE"):
        return Path(os.environ["DOCKYARD_COURSE"]).resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "sample-app").is_dir():
        return checkout
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if (folder / "sample-app").is_dir()), here)


REPO = course_folder()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class CommandFailed(CourseError):
    """A command the lesson ran exited non-zero; the message ends with its own last lines."""


@dataclass
class Ran:
    command: str
    returncode: int
    output: str
    # the command's own run time, not the wait for a turn (dockyard/locks.py); out of the repr, which a
    # cell ending in dockyard.sh(...) shows
    seconds: float = field(default=0.0, repr=False, compare=False)

    def lines(self) -> list[str]:
        return self.output.splitlines()


def run(command: str, timeout: float = 600, check: bool = True) -> Ran:
    """Run one shell command line from the repository root; return its exit code and output."""
    try:
        with locks.for_command(command):
            started = time.perf_counter()
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command], cwd=REPO, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, timeout=timeout,
            )
            seconds = time.perf_counter() - started
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"`{command}` did not finish within {timeout:.0f} s.") from None
    ran = Ran(command, done.returncode, ANSI.sub("", done.stdout), seconds)
    if check and ran.returncode != 0:
        tail = "\n".join(ran.lines()[-8:])
        raise CommandFailed(f"`{command}` failed with exit code {ran.returncode}:\n{tail}")
    return ran


def sh(command: str, timeout: float = 600, check: bool = True) -> Ran:
    """Run a command line as a learner would, and print it with its output."""
    ran = run(command, timeout=timeout, check=check)
    print(f"$ {command}")
    if ran.output.strip():
        print(ran.output.rstrip("\n"))
    return ran
