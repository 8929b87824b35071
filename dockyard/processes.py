"""Waiting for a fresh container's own command to run, with a bound and a clear message."""

from __future__ import annotations

from pathlib import PurePosixPath

from docker.errors import APIError

from dockyard.errors import CourseError
from dockyard.waiting import until

# `docker run -d` returns once runc has been told to start the container; for a moment after that
# the container's one process is still runc's own init, not yet the command (`docker top` lists it
# as "runc init"), the longer on a busy machine.
RUNC_INIT = "runc init"
TIMEOUT = 30


class NotStarted(CourseError):
    pass


def without_emulator(command: str) -> str:
    """A process's command line as its program gave it, without the emulator an image of another
    architecture runs under (qemu-user through binfmt_misc, or Rosetta on a Mac), which comes first.

    With binfmt_misc's P flag (preserve argv[0]), as Debian registers qemu, the emulator is given the
    program's path and then the program's own arguments, argv[0] included:
    `.../qemu-binfmt/aarch64-binfmt-P /usr/bin/python3 /usr/bin/python3 /usr/local/bin/gunicorn ...`.
    """
    words = command.split()
    if not words or not ("qemu" in words[0] or words[0].endswith("/rosetta")):
        return command
    words = words[1:]
    if len(words) > 1 and PurePosixPath(words[0]).name == PurePosixPath(words[1]).name:
        words = words[1:]  # the path, then argv[0] naming the same program
    return " ".join(words)


def wait_for_command(container, timeout: float = TIMEOUT) -> list[str]:
    """Wait until the container's processes are its command's, not runc's init; return their commands
    (as their programs gave them, without an emulator)."""
    def commands() -> list[str]:
        container.reload()
        if container.status != "running":
            raise NotStarted(f"{container.name} is {container.status}, not running; "
                             f"`docker logs {container.name}` says why.")
        return _commands(container)

    return until(commands, timeout=timeout, interval=0.05,
                 done=lambda found: found and RUNC_INIT not in found,
                 error=lambda found: NotStarted(f"{container.name} still runs no command of its own after "
                                                f"{timeout:.0f} s (docker top lists {found})."))


def _commands(container) -> list[str]:
    try:
        top = container.top()
    except APIError:  # it stopped between the status and the listing: the next round says so
        return []
    column = top["Titles"].index("CMD")
    return [without_emulator(process[column]) for process in top.get("Processes") or []]
