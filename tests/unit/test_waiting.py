import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dockyard import verified, web
from dockyard.checks import read
from dockyard.waiting import TimedOut, health, log_line, until


def test_returns_the_first_truthy_result_without_waiting_longer():
    answers = iter([None, 0, "ready", "later"])
    started = time.monotonic()
    assert until(lambda: next(answers), timeout=10, interval=0.01) == "ready"
    assert time.monotonic() - started < 1


def test_times_out_with_its_message():
    started = time.monotonic()
    with pytest.raises(TimedOut, match="the thing never came"):
        until(lambda: None, timeout=0.3, interval=0.05, error="the thing never came")
    assert 0.3 <= time.monotonic() - started < 2


def test_without_an_error_it_returns_the_last_result():
    assert until(lambda: "starting", timeout=0.1, interval=0.02, done=lambda s: s != "starting") == "starting"


def test_stop_if_ends_it_at_once():
    calls = []
    started = time.monotonic()
    result = until(lambda: calls.append(1) or len(calls), timeout=30, interval=5, done=lambda n: n > 100,
                   stop_if=lambda: True)
    assert (result, len(calls)) == (1, 1)
    assert time.monotonic() - started < 1


def test_stop_if_raises_what_error_makes_after_one_probe():
    with pytest.raises(ValueError, match="stopped after 1"):
        until(lambda: 1, timeout=30, interval=10, done=lambda n: n > 1, stop_if=lambda: True,
              error=lambda last: ValueError(f"stopped after {last}"))


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"straight from here"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def dead_proxy(monkeypatch):
    # Nothing listens on port 9 (discard): a request sent to this proxy fails.
    for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)


def test_loopback_never_goes_to_a_proxy(local_server, dead_proxy):
    assert web.wait_for_http(local_server, timeout=5).text == "straight from here"
    assert read.http_body(local_server) == (200, "straight from here")


def test_after_connect_a_lessons_own_requests_skip_the_proxy_too(local_server, dead_proxy):
    import requests

    web.keep_loopback_off_proxies()
    assert requests.get(local_server, timeout=5).text == "straight from here"
    web.keep_loopback_off_proxies()  # a second call adds nothing
    assert os.environ["NO_PROXY"].split(",") == list(web.LOOPBACK_NAMES)


class Reporting:
    """A stand-in for a container model: each reload shows the next health status, logs grow."""

    name = "dockyard-test-app"

    def __init__(self, statuses, logs=()):
        self.statuses, self.logs_seen, self.attrs = list(statuses), list(logs), {}

    def reload(self):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        self.attrs = {"State": {"Health": {"Status": status}}}

    def logs(self, stdout=True, stderr=True):
        return self.logs_seen.pop(0) if len(self.logs_seen) > 1 else self.logs_seen[0]


def test_health_returns_the_statuses_seen_each_once():
    seen = health(Reporting(["starting", "starting", "healthy"]), "healthy", interval=0.01)
    assert seen == ["starting", "healthy"]


def test_health_gives_up_naming_the_status():
    with pytest.raises(TimedOut, match="dockyard-test-app is still starting after 0.1 s"):
        health(Reporting(["starting"]), "healthy", timeout=0.1, interval=0.02)


def test_log_line_returns_the_log_that_holds_it():
    assert log_line(Reporting(["-"], [b"", b"booting\n", b"booting\nRunning on\n"]), b"Running on",
                    interval=0.01) == b"booting\nRunning on\n"
    with pytest.raises(TimedOut, match="did not write 'Running on'"):
        log_line(Reporting(["-"], [b"booting\n"]), b"Running on", timeout=0.1, interval=0.02)


def test_verified_prints_the_claim_or_stops(capsys):
    verified(2 < 3, "two is less than three")
    assert capsys.readouterr().out == "verified: two is less than three\n"
    with pytest.raises(AssertionError, match="NOT verified: three is less than two"):
        verified(3 < 2, "three is less than two")
