"""Trying an image out where the learner's own containers cannot show the answer: whether a healthcheck
fails when the service it should ask does not answer, and whether a compiler hides in an image under a
versioned name.

A healthcheck is tried in a throwaway container of the learner's image, labelled as the checker's
(`dockyard.chapter=checks`), on no network, removed at once whatever happens, in which `sleep` (or a
stand-in that answers as the check wants) runs in place of the app; the check then runs the healthcheck's
command in it, as the engine would. A run of a command to its end is read.trial_run's, and a learner's
command run again on another image proof.rerun's. The learner's containers, images and volumes are only
read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import docker
from docker.errors import APIError, ImageNotFound, NotFound

from dockyard.checks import read
from dockyard.labels import LABEL
from dockyard.waiting import until

# How long a healthcheck's command in a throwaway container may take, and a stand-in takes to listen.
RUN_WAIT = 60
READY_WAIT = 20
# A healthcheck's command in the CMD-SHELL form runs in the container's shell (Config.Shell), or this.
SHELL = ["/bin/sh", "-c"]
# A program the check starts in place of an image's own, so that nothing answers: every image the course
# builds on (Debian's, Python's, Redis's, PostgreSQL's) has `sleep`.
NOTHING_RUNS = ["sleep", "300"]
# What lists every program on PATH that can run, and gcc's compiler proper (cc1) wherever GCC keeps it:
# `command -v gcc` misses a compiler installed under a versioned name (gcc-12, x86_64-linux-gnu-gcc-12).
PROGRAMS = ('for d in $(echo "$PATH" | tr ":" " "); do for f in "$d"/*; do '
            '[ -f "$f" ] && [ -x "$f" ] && echo "$f"; done; done; '
            "find /usr/lib/gcc /usr/libexec/gcc /usr/local/libexec/gcc -name 'cc1*' -type f 2>/dev/null; "
            "true")
COMPILER = re.compile(r"(cc|c89|c99|c\+\+|cc1|cc1plus|gcc|g\+\+|clang|clang\+\+|tcc)(-\d+(\.\d+)*)?"
                      r"|[\w.]+-linux-gnu-(gcc|g\+\+|cc|c\+\+)(-\d+(\.\d+)*)?")


@contextmanager
def container(client: docker.DockerClient, image: str, entrypoint: list[str], environment=None,
              user: str | None = None) -> Iterator:
    """A throwaway container of `image` running `entrypoint` (no CMD), on no network, removed at the end."""
    started = client.containers.run(image, [], entrypoint=entrypoint, detach=True, network_disabled=True,
                                    environment=environment, user=user or None, labels={LABEL: read.CHECKER})
    try:
        yield started
    finally:
        try:
            started.remove(force=True, v=True)
        except (NotFound, APIError):
            pass


def exec_bounded(found, command: list[str], timeout: float = RUN_WAIT) -> tuple[int | None, str]:
    """(exit code, output) of a command in a running container, given at most `timeout` seconds; (None,
    why not) when it does not end in time (the container's removal ends it then)."""
    answer: list = []

    def go() -> None:
        try:
            ran = found.exec_run(command)
            answer.append((ran.exit_code, ran.output.decode(errors="replace").strip()))
        except APIError as error:
            answer.append((None, f"it did not run ({error.explanation or error})"))

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(timeout)
    return answer[0] if answer else (None, f"it did not end within {timeout:.0f} s")


def health_command(config: dict) -> list[str] | None:
    """The command a container's (or image's) healthcheck runs, as an exec would run it; None without one."""
    test = (config.get("Healthcheck") or {}).get("Test") or []
    if test[:1] == ["CMD"] and len(test) > 1:
        return test[1:]
    if test[:1] == ["CMD-SHELL"] and len(test) > 1:
        return (config.get("Shell") or SHELL) + [" ".join(test[1:])]
    return None


def health_where(client: docker.DockerClient, image: str, config: dict, entrypoint: list[str],
                 ready: list[str] | None = None) -> tuple[int | None, str]:
    """(exit code, output) of the healthcheck of `config` (the Config of `image` or of a container of
    it), run in a throwaway container of `image` with the same environment and user, where `entrypoint`
    runs instead of the app: NOTHING_RUNS, or a stand-in that answers as the check wants. With `ready`,
    that command must succeed first (the stand-in listens). (None, why not) without a healthcheck."""
    command = health_command(config)
    if command is None:
        return None, "no healthcheck"
    timeout = ((config.get("Healthcheck") or {}).get("Timeout") or 30e9) / 1e9
    try:
        with container(client, image, entrypoint, environment=config.get("Env"),
                       user=config.get("User")) as trial:
            if ready is not None:
                listening = until(lambda: exec_bounded(trial, ready, timeout=READY_WAIT)[0] == 0,
                                  timeout=READY_WAIT, interval=0.2,
                                  stop_if=lambda: read.status(trial) != "running")
                if not listening:
                    return None, "the stand-in did not start"
            return exec_bounded(trial, command, timeout=min(timeout, RUN_WAIT))
    except (ImageNotFound, NotFound):
        return None, f"no image {image}"
    except APIError as error:
        return None, f"it did not start ({error.explanation or error})"


def compilers(listing: str) -> list[str]:
    """The C compilers among the paths `PROGRAMS` printed (gcc, cc, gcc-12, x86_64-linux-gnu-gcc-12, ...)."""
    return [path for path in listing.splitlines() if COMPILER.fullmatch(PurePosixPath(path.strip()).name)]
