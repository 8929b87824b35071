"""HTTP to the course's own containers: straight to this machine, with a bound and a clear message."""

from __future__ import annotations

import os
from collections.abc import Callable

import requests

from dockyard.errors import CourseError
from dockyard.waiting import until


class NotAnswering(CourseError):
    pass


# A bound, not an expectation: natively the sample app listens within a second or two, but an image
# for another architecture runs under emulation (an amd64 image on Apple Silicon, an arm64 one on a
# PC), where Python takes many times longer to start, the more so on a busy machine.
TIMEOUT = 60
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
# No answer yet: refused, reset, or accepted but not answered (gunicorn listens before its worker is
# ready), or cut off half-way by a server that restarts (Flask's reloader after a sync).
NOT_YET = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def local_session() -> requests.Session:
    """A session that ignores HTTP_PROXY and the like: a proxy cannot reach this machine's 127.0.0.1, and
    requests sends loopback to one unless NO_PROXY names it."""
    session = requests.Session()
    session.trust_env = False
    return session


def get(url: str, timeout: float = 2) -> requests.Response:
    """GET a URL on this machine, never through a proxy."""
    with local_session() as session:
        return session.get(url, timeout=timeout)


def keep_loopback_off_proxies() -> None:
    """Add this machine's names to NO_PROXY (both spellings), so a lesson's own `requests.get` of
    127.0.0.1 goes straight to the container, not to a proxy set in the environment."""
    for variable in ("NO_PROXY", "no_proxy"):
        names = [name for name in (os.environ.get(variable) or "").split(",") if name.strip()]
        missing = [name for name in LOOPBACK_NAMES if name not in names]
        if missing:
            os.environ[variable] = ",".join(names + missing)


def wait_for_http(url: str, timeout: float = TIMEOUT, container=None) -> requests.Response:
    """GET url until the app answers (a fresh container needs a moment to listen)."""
    def answer() -> requests.Response | None:
        try:
            return get(url)
        except NOT_YET:
            return None

    def not_answering(_) -> NotAnswering:
        logs = container.logs(tail=10).decode(errors="replace") if container is not None else ""
        return NotAnswering(f"Nothing answered at {url} within {timeout:.0f} s. Last log lines:\n{logs}")

    return until(answer, timeout=timeout, interval=0.1, done=lambda response: response is not None,
                 error=not_answering)


def wait_for_text(url: Callable[[], str], text: str, path: str = "/",
                  timeout: float = TIMEOUT) -> requests.Response:
    """GET `url() + path` until the answer's body holds `text`; return that response.

    `url` is asked again each round: a restarted or recreated container gets a new host port, and while
    it restarts it has none (a CourseError from `url` then counts as no answer yet)."""
    def answer() -> requests.Response | None:
        try:
            return get(url() + path)
        except (*NOT_YET, CourseError):
            return None

    return until(answer, timeout=timeout, interval=0.1,
                 done=lambda response: response is not None and text in response.text,
                 error=f"No answer holding {text!r} came from {path} within {timeout:.0f} s.")
