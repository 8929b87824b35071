"""Waiting for a condition, with a bound: the one loop every wait in the course goes through."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from dockyard.errors import CourseError

T = TypeVar("T")


class TimedOut(CourseError):
    """A wait gave up; the message says what did not happen."""


def until(probe: Callable[[], T], *, timeout: float, interval: float,
          done: Callable[[T], Any] = bool, stop_if: Callable[[], Any] | None = None,
          error: str | Callable[[T], Exception] | None = None) -> T:
    """Call `probe` every `interval` seconds until `done` accepts its result (by default: until the result
    is truthy), and return that result.

    It gives up `timeout` seconds after the first call, or at once when `stop_if()` says waiting is
    pointless (the container stopped). Then it returns the probe's last result, so a caller can report
    what it saw; or, with `error`, raises: `TimedOut(error)` for a message, or what `error(last)` makes.
    The probe is always called at least once, and exceptions it raises end the wait.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() >= deadline or (stop_if is not None and stop_if()):
            break
        time.sleep(interval)
    if error is None:
        return result
    raise TimedOut(error) if isinstance(error, str) else error(result)


def health(container, wanted: str, timeout: float = 90, interval: float = 0.5) -> list[str]:
    """Wait until the container's health check reports `wanted` (`healthy`, `unhealthy`); return the
    statuses it reported on the way, each once, in order (`["starting", "healthy"]`)."""
    seen: list[str] = []

    def status() -> str:
        container.reload()  # a model object is a snapshot: ask the engine again
        now = container.attrs["State"]["Health"]["Status"]
        if not seen or seen[-1] != now:
            seen.append(now)
        return now

    until(status, timeout=timeout, interval=interval, done=lambda now: now == wanted,
          error=lambda now: TimedOut(f"{container.name} is still {now} after {timeout:g} s"))
    return seen


def log_line(container, text: bytes, timeout: float = 60, interval: float = 0.2,
             stderr: bool = True) -> bytes:
    """Wait until the container's log (its standard error, or with `stderr=False` its standard output)
    holds `text`; return that log."""
    return until(lambda: container.logs(stdout=not stderr, stderr=stderr), timeout=timeout, interval=interval,
                 done=lambda log: text in log,
                 error=f"{container.name} did not write {text.decode()!r} within {timeout:g} s")
