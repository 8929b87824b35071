"""Docker Compose from a lesson: Compose has no Python SDK, so run its CLI and show what it did."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

import docker

from dockyard import locks
from dockyard.errors import CourseError
from dockyard.names import claim
from dockyard.sample import SAMPLE_APP

PROJECT = "dockyard-compose"
COMPOSE_FILE = SAMPLE_APP / "compose.yaml"
# Compose reports progress on stderr, one line per step: ` Container dockyard-compose-db-1  Healthy`
# (and ` Image dockyard-compose-web:latest  Removed` for `down --rmi`).
PROGRESS = re.compile(r'^\s*(Network|Volume|Container|Image)\s+"?([^"\s]+)"?\s+(\w+)\s*$')
WARNING = re.compile(r"^WARN\[\d+\]|level=warning", re.IGNORECASE)
BUILD_STEP = re.compile(r"^#\d+ ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class ComposeFailed(CourseError):
    """A `docker compose` command failed; the message is Compose's own, plus a hint where one helps."""


def command(*args: str, files: Sequence[Path] = (COMPOSE_FILE,)) -> list[str]:
    """The command line for `docker compose -f FILE... -p dockyard-compose ARGS...`."""
    flags = [part for file in files for part in ("-f", str(file))]
    return ["docker", "compose", "--ansi", "never", *flags, "-p", PROJECT, *args]


def compose(*args: str, files: Sequence[Path] = (COMPOSE_FILE,), timeout: float = 300) -> None:
    """Run a Compose command for the course's project and print what it did.

    Prints the command's output, and of Compose's progress (where the steps of several services
    interleave differently on each run, and builds log their every step) only the last state of each
    container, network, volume and image, sorted, plus any warning.
    """
    stdout, stderr = _run(args, files, timeout)
    for text in (stdout.rstrip("\n"), *summary(stderr)):
        if text:
            print(text)


def output(*args: str, files: Sequence[Path] = (COMPOSE_FILE,), timeout: float = 300) -> str:
    """Run a Compose command for the course's project and return its output, printing nothing."""
    return _run(args, files, timeout)[0]


def _run(args: Sequence[str], files: Sequence[Path], timeout: float) -> tuple[str, str]:
    line = command(*args, files=files)
    try:
        with locks.for_command(shlex.join(line)):  # `up` and `build` build, and take turns as lessons' do
            done = subprocess.run(line, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise ComposeFailed("The docker CLI is not installed (or not on PATH): Compose cannot run.") from None
    except subprocess.TimeoutExpired:
        raise ComposeFailed(f"`docker compose {' '.join(args)}` took over {timeout:.0f} s.") from None
    stdout, stderr = _without_build_steps(ANSI.sub("", done.stdout)), ANSI.sub("", done.stderr)
    if done.returncode != 0:
        raise ComposeFailed(_failure(args, stderr))
    return stdout, stderr


def _without_build_steps(text: str) -> str:
    """Drop BuildKit's numbered build log (`#8 [web 4/5] RUN pip ...`) and the blank lines around it."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not BUILD_STEP.match(line)]
    if len(kept) < len(lines):
        kept = [line for line in kept if line.strip()]
    return "".join(kept)


def summary(stderr: str) -> list[str]:
    """Each resource's last reported state, sorted, then Compose's warnings (without their timestamps)."""
    last, warnings = {}, []
    for text in stderr.splitlines():
        match = PROGRESS.match(text)
        if match:
            last[(match[1], match[2])] = match[3]
        elif WARNING.search(text):
            message = re.search(r'msg="(.*)"', text)
            warnings.append("warning: " + (message[1] if message else WARNING.sub("", text).strip()))
    width = max((len(f"{kind} {name}") for kind, name in last), default=0)
    rows = [f"{f'{kind} {name}':{width}}  {state}" for (kind, name), state in sorted(last.items())]
    return rows + warnings


def ps(files: Sequence[Path] = (COMPOSE_FILE,)) -> list[dict]:
    """`docker compose ps --all --format json`, parsed (Compose prints one object a line, or a list)."""
    text = output("ps", "--all", "--format", "json", files=files).strip()
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted(rows, key=lambda row: row["Name"])


def claim_project(client: docker.DockerClient) -> None:
    """Before the first `up`: stop if a resource of the learner's holds a name the project needs.

    Uses dockyard.claim, which removes nothing and refuses a name that any resource holds, so call it
    only when the project is not running (after the chapter's cleanup).
    """
    model = json.loads(output("config", "--format", "json"))
    for service, spec in model["services"].items():
        claim(client, "container", f"{PROJECT}-{service}-1")
        if "build" in spec:
            claim(client, "image", spec.get("image") or f"{PROJECT}-{service}")
    for network in model.get("networks", {}).values():
        claim(client, "network", network["name"])
    for volume in model.get("volumes", {}).values():
        claim(client, "volume", volume["name"])


def _failure(args: Sequence[str], stderr: str) -> str:
    lines = [text.strip() for text in stderr.splitlines() if text.strip() and not text.startswith("#")]
    message = "\n".join(lines[-5:]) or "(no message)"
    hint = ""
    if "is not a docker command" in stderr or "unknown shorthand flag: 'f'" in stderr:
        hint = ("\nThe Compose v2 plugin is missing. Docker Desktop includes it; on Linux install the "
                "docker-compose-plugin package (or run `python -m dockyard engine`).")
    return f"`docker compose {' '.join(args)}` failed:\n{message}{hint}"
