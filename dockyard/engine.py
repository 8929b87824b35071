"""The connection to the Docker engine, and the one message a learner sees when there is none."""

from __future__ import annotations

import os
import re

import docker
from docker.errors import DockerException

from dockyard.errors import CourseError
from dockyard.web import keep_loopback_off_proxies

HOW_TO_START = """\
Dockyard could not reach a Docker engine ({tried}).

Start Docker, then run this cell again:
  - Linux:   sudo systemctl start docker   (or: sudo dockerd &)
             and make sure your user may use it: sudo usermod -aG docker $USER, then log in again.
  - macOS:   open Docker Desktop (or `colima start`) and wait until it says it is running.
  - Windows: start Docker Desktop with the WSL 2 backend and run the course inside your WSL distro.
Check with `docker info`. If your engine listens elsewhere, set DOCKER_HOST.
Detail: {detail}"""


class EngineUnavailable(CourseError):
    """No Docker engine answered; the message says what was tried and what to do."""

    def __init__(self, detail: str):
        tried = os.environ.get("DOCKER_HOST") or "the default socket, /var/run/docker.sock"
        super().__init__(HOW_TO_START.format(tried=tried, detail=detail))


def connect(timeout: int = 120) -> docker.DockerClient:
    """Return a client for the engine that DOCKER_HOST (or the default socket) points at."""
    # Every lesson starts here; its own requests to the containers it publishes must not go to a proxy.
    keep_loopback_off_proxies()
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (DockerException, OSError) as error:
        raise EngineUnavailable(_first_line(error)) from None
    return client


def engine_answers() -> bool:
    try:
        connect(timeout=5).close()
    except EngineUnavailable:
        return False
    return True


def describe(client: docker.DockerClient) -> str:
    """One line naming the engine that answered, for a chapter's first cell."""
    version = client.version()
    return f"Docker Engine {version['Version']} ({version['Os']}/{version['Arch']})"


def version_numbers(version: str) -> tuple[int, ...]:
    """'28.5.2+dfsg4' -> (28, 5, 2): versions compared as numbers, not as text."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def engine_version(client: docker.DockerClient) -> tuple[int, ...]:
    """The engine's version, for the few lessons whose output depends on it (build checks)."""
    return version_numbers(client.version()["Version"])


def _first_line(error: Exception) -> str:
    text = str(error).strip() or error.__class__.__name__
    return text.splitlines()[0][:300]
