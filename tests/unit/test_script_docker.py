"""The terminal scripts' `docker` (tests/support/bin/docker) runs a command once more after an engine race
with another worker of the test run, and after no other failure: a build that lost a snapshot to a
concurrent image removal (as dockyard.build does), a pull whose lease a concurrent image prune deleted."""

from __future__ import annotations

import os
import subprocess

import pytest

from dockyard import locks
from dockyard.buildkit import SNAPSHOT_RACE
from tests.support import dockerwrap

RACE = ("ERROR: failed to build: failed to solve: failed to prepare extraction snapshot \"extract-1\": "
        "parent snapshot sha256:ab12 does not exist: not found")
# what `docker pull` printed in CI's run of ae4abc4, while another worker pruned images
LEASE = "Error response from daemon: lease does not exist: not found"

# A fake CLI: each run appends its arguments and its stdin to a log; the first run of a build fails
# with `first_error`, later runs succeed.
FAKE = """#!/bin/bash
log={log}
first=$([[ -e $log ]] && echo no || echo yes)
echo "run $*" >> "$log"
[[ " $* " == *" - "* ]] && echo "stdin $(cat)" >> "$log"
if [[ $first == yes ]]; then echo {first_error!r} >&2; exit 1; fi
echo built
"""


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    """Make a fake real CLI that fails its first build with the given error; return its log."""
    monkeypatch.setattr(locks, "FOLDER", tmp_path / "locks")  # this test's own lock, not the run's

    def make(first_error: str):
        log = tmp_path / "runs.log"
        fake = tmp_path / "docker"
        fake.write_text(FAKE.format(log=log, first_error=first_error))
        fake.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
        return log
    return make


def in_script(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], env=dockerwrap.script_env(dict(os.environ)),
                          capture_output=True, text=True, timeout=60)


def test_the_race_message_is_the_one_the_course_retries():
    assert SNAPSHOT_RACE.search(RACE)


def test_a_build_that_lost_a_snapshot_runs_once_more_with_the_same_dockerfile(fake_cli):
    log = fake_cli(RACE)
    ran = in_script("docker build -t x - <<'EOF'\nFROM scratch\nEOF")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "built\n"
    assert RACE in ran.stderr and "once more" in ran.stderr  # the first run's error stays visible
    assert log.read_text().splitlines() == ["run build -t x -", "stdin FROM scratch"] * 2


def test_a_build_that_failed_otherwise_runs_once(fake_cli):
    log = fake_cli("ERROR: failed to solve: process \"/bin/sh -c false\" did not complete successfully")
    ran = in_script("docker build -t x sample-app")
    assert ran.returncode == 1
    assert "did not complete successfully" in ran.stderr and "once more" not in ran.stderr
    assert log.read_text().splitlines() == ["run build -t x sample-app"]


def test_a_pull_whose_lease_a_prune_deleted_runs_once_more(fake_cli):
    log = fake_cli(LEASE)
    ran = in_script("docker pull localhost:5000/x@sha256:ab12")
    assert ran.returncode == 0, ran.stderr
    assert LEASE in ran.stderr and "once more" in ran.stderr
    assert log.read_text().splitlines() == ["run pull localhost:5000/x@sha256:ab12"] * 2


def test_each_race_is_retried_only_where_it_is_met(fake_cli):
    log = fake_cli(LEASE)
    assert in_script("docker build -t x sample-app").returncode == 1
    assert log.read_text().splitlines() == ["run build -t x sample-app"]


@pytest.mark.parametrize("race", [RACE, LEASE])
def test_other_commands_are_never_run_twice(fake_cli, race):
    log = fake_cli(race)
    assert in_script("docker run --rm x").returncode == 1
    assert log.read_text().splitlines() == ["run run --rm x"]
