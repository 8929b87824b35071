"""Waiting for a fresh container's own command to run, with a bound and a clear message."""

from __future__ import annotations

import time

from docker.errors import APIError

from dockyard.errors import CourseError

# `docker run -d` returns once runc has been told to start the container; for a moment after that
# the container's one process is still runc's own init, not yet the command (`docker top` lists it
# as "runc init"), the longer on a busy machine.
RUNC_INIT = "runc init"
TIMEOUT = 30


class NotStarted(CourseError):
    pass


def wait_for_command(container, timeout: float = TIMEOUT) -> list[str]:
    """Wait until the container's processes are its command's, not runc's init; return their commands."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        if container.status != "running":
            raise NotStarted(f"{container.name} is {container.status}, not running; "
                             f"`docker logs {container.name}` says why.")
        commands = _commands(container)
        if commands and RUNC_INIT not in commands:
            return commands
        if time.monotonic() > deadline:
            raise NotStarted(f"{container.name} still runs no command of its own after {timeout:.0f} s "
                             f"(docker top lists {commands}).")
        time.sleep(0.05)


def _commands(container) -> list[str]:
    try:
        top = container.top()
    except APIError:  # it stopped between the status and the listing: the next round says so
        return []
    column = top["Titles"].index("CMD")
    return [process[column] for process in top.get("Processes") or []]
