"""Turns between tests that run side by side: who waits for whom."""

import fcntl
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dockyard import compose, locks
from tests.support import dockerwrap

# These tests take the build lock alone or shared themselves, so the plugin leaves the mode to them.
pytestmark = pytest.mark.build_steps

COMMANDS = [
    ("docker build --progress=plain -t x sample-app", True),
    ("docker buildx build -t x .", True),
    ("docker compose -f /tmp/x/compose.yaml up -d --wait", True),
    ("docker compose --progress quiet -f compose.yaml build", True),
    ("docker compose -f compose.yaml exec -T redis redis-cli GET x", False),
    ("docker run --rm debian:bookworm-slim true", False),
]


@pytest.mark.parametrize(("command", "builds"), COMMANDS)
def test_a_build_is_told_from_other_commands(command, builds):
    assert locks.is_build(command) is builds


def test_a_second_process_waits_for_the_chapters_lock(unique):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from dockyard import locks\n"
        f"with locks.chapter({unique!r}):\n    print('held', flush=True); time.sleep(1.5)\n")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with locks.chapter(unique):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.5, "the lock was free while another process held it"
    with locks.chapter(f"{unique}-other"):
        pass  # another chapter's lock is its own


def test_each_engine_has_its_own_locks(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    default = locks._folder()
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/another/docker.sock")
    assert locks._folder() != default, "work on another engine never meets this one's"


def held(name: str) -> bool:
    """Whether some holder has the named lock now: a lock of our own on it would have to wait."""
    with (locks._folder() / f"{name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


@pytest.fixture(scope="module")
def set_up_by_a_marked_test():
    return held("chapter-unit-marked")


@pytest.mark.chapter_lock("unit-marked")
def test_a_marked_test_holds_its_chapters_lock_from_its_module_fixtures_on(set_up_by_a_marked_test):
    assert set_up_by_a_marked_test, "the lock was free while a module fixture set up"
    assert held("chapter-unit-marked"), "the lock was free while the test ran"
    assert not held("chapter-unit-unmarked")


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    """A `docker` first on PATH that only says whether the build lock is held while it runs; the locks
    are this test's own, as other test runs on this engine build meanwhile."""
    monkeypatch.setattr(locks, "FOLDER", tmp_path / "locks")
    fake = tmp_path / "docker"
    fake.write_text(f"#!/bin/sh\nflock -n {locks.path(locks.BUILDS)} true && echo free || echo held\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return fake


def in_script(command: str, shared: bool = False) -> subprocess.Popen:
    """Start a command line as tests/terminal runs a chapter's script: bash, with the wrapping docker."""
    env = dockerwrap.script_env(dict(os.environ), shared)
    return subprocess.Popen(["bash", "-eu", "-c", command], env=env,
                            stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("command", "builds"), COMMANDS)
def test_a_scripts_docker_holds_the_build_lock_for_builds_only(fake_docker, command, builds):
    assert in_script(command).communicate(timeout=30)[0] == ("held\n" if builds else "free\n")


def test_a_scripts_build_waits_for_the_build_lock(fake_docker):
    with locks.builds():
        script = in_script("docker build -t x sample-app")
        time.sleep(1)
        assert script.poll() is None, "the build ran while another held the build lock"
    assert script.communicate(timeout=30)[0] == "held\n"


def test_a_compose_build_waits_for_the_build_lock(fake_docker):
    assert compose.output("ps") == "free\n"
    with ThreadPoolExecutor(1) as pool:
        with locks.builds():
            up = pool.submit(compose.output, "up", "-d", "--build")
            time.sleep(1)
            assert not up.done(), "docker compose up ran while another held the build lock"
        assert up.result(timeout=30) == "held\n"


def test_builds_whose_steps_nobody_reads_run_side_by_side(fake_docker):
    with locks.sharing_builds(), locks.builds():
        # the script's build gets its shared turn at once; the fake then finds the lock held (by both)
        assert in_script("docker build -t x sample-app", shared=True).communicate(timeout=30)[0] == "held\n"


def test_a_shared_build_waits_for_a_build_alone(fake_docker):
    with locks.builds():
        script = in_script("docker build -t x sample-app", shared=True)
        time.sleep(1)
        assert script.poll() is None, "a shared build ran beside a build that holds the lock alone"
    assert script.communicate(timeout=30)[0] == "held\n"


def test_a_build_alone_waits_for_shared_builds(fake_docker):
    with locks.sharing_builds(), locks.builds():
        script = in_script("docker build -t x sample-app")
        time.sleep(1)
        assert script.poll() is None, "a build that reads its steps ran beside a shared one"
    assert script.communicate(timeout=30)[0] == "held\n"
