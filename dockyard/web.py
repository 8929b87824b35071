"""Waiting for a containerised web app to answer, with a bound and a clear message."""

from __future__ import annotations

import time

import requests

from dockyard.errors import CourseError


class NotAnswering(CourseError):
    pass


# A bound, not an expectation: natively the sample app listens within a second or two, but an image
# for another architecture runs under emulation (an amd64 image on Apple Silicon, an arm64 one on a
# PC), where Python takes many times longer to start, the more so on a busy machine.
TIMEOUT = 60


def wait_for_http(url: str, timeout: float = TIMEOUT, container=None) -> requests.Response:
    """GET url until the app answers (a fresh container needs a moment to listen)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=2)
        # Refused, reset, or accepted but not answered yet (gunicorn listens before its worker is ready).
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    logs = container.logs(tail=10).decode(errors="replace") if container is not None else ""
    raise NotAnswering(f"Nothing answered at {url} within {timeout:.0f} s. Last log lines:\n{logs}")
