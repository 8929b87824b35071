import subprocess
import sys
import time

import pytest

import dockyard
from dockyard.engine import EngineUnavailable, version_numbers

NOWHERE = "unix:///nonexistent/docker.sock"


def test_connect_without_engine_says_what_to_do(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", NOWHERE)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable) as raised:
        dockyard.connect()
    message = str(raised.value)
    assert time.monotonic() - started < 5
    assert NOWHERE in message  # what was tried
    for platform in ("Linux:", "macOS:", "Windows:"):
        assert platform in message
    assert "docker info" in message


def test_ipython_shows_one_paragraph_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", NOWHERE)
    with pytest.raises(EngineUnavailable) as raised:
        dockyard.connect()
    rendered = raised.value._render_traceback_()
    assert rendered[0].startswith("EngineUnavailable: Dockyard could not reach a Docker engine")
    assert "Traceback" not in "".join(rendered)


def test_setup_refuses_fast_when_provisioning_is_off(tmp_path):
    env = {"DOCKER_HOST": NOWHERE, "DOCKYARD_PROVISION": "0", "PATH": "/usr/bin:/bin"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "dockyard", "setup"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert result.returncode != 0
    assert "DOCKYARD_PROVISION=0 forbids installing or starting Docker" in result.stderr
    assert "Traceback" not in result.stderr


def test_describe_names_the_engine(client):
    assert dockyard.describe(client).startswith("Docker Engine ")


@pytest.mark.parametrize("text, numbers", [
    ("28.5.2+dfsg4", (28, 5, 2)),   # Debian's build of the engine
    ("26.1.5+dfsg1", (26, 1, 5)),
    ("27.0.0-rc.1", (27, 0, 0)),
    ("v2.40.3", (2, 40, 3)),        # Compose prints a leading v
])
def test_versions_compare_as_numbers(text, numbers):
    assert version_numbers(text) == numbers
    assert version_numbers("28.10.0") > version_numbers("28.9.1")  # not as text


def test_engine_version_is_the_engine_that_answers(client):
    assert ".".join(map(str, dockyard.engine_version(client))) in client.version()["Version"]
