"""A failure while setting up shows as one message from `python -m dockyard`, never as a traceback.

Each test runs the real CLI in its own process, with one step of the setup made to fail the way it
does on a machine that cannot do it (the steps themselves would install packages or build images)."""

import os
import subprocess
import sys
import textwrap

import pytest

from dockyard import provision
from dockyard.shell import REPO

S390X = "linux/s390x"  # a CPU no stand-in here is built for


def dockyard_failing(prelude: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m dockyard ARGS`, after `prelude` has patched the step that is to fail."""
    script = textwrap.dedent(prelude) + "\nimport runpy\nrunpy.run_module('dockyard', run_name='__main__')\n"
    return subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, capture_output=True, text=True,
                          env=env, timeout=120)


def assert_one_message(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    for word in words:
        assert word in done.stderr


def test_plugins_that_still_do_not_answer_say_what_to_install():
    done = dockyard_failing("""
        from pathlib import Path
        from dockyard import provision
        provision.engine_answers = lambda: True
        provision.refusal = lambda: None
        provision.installed_engine = lambda: None
        provision.missing_plugins = lambda: ["compose"]  # before and after the install
        provision._unpack = lambda folder, suite, packages: Path(folder)
        provision._install_plugins = lambda root, names: None
    """, "engine")
    assert_one_message(done, "the Docker CLI plugins compose still do not answer",
                       "docker-compose-plugin", "python -m dockyard setup")


def test_a_stand_in_for_another_cpu_says_how_to_get_one(client):
    done = dockyard_failing("""
        from docker.errors import APIError
        from docker.models.images import ImageCollection
        from dockyard import cli, images
        images.is_present = lambda client, name: False
        cli.disk.ensure_engine_room = lambda *args: None
        def no_registry(self, *args, **kwargs):
            raise APIError("lookup registry-1.docker.io: no such host")
        ImageCollection.pull = no_registry
        images._import_rootfs = lambda image, platform: None  # the image already here is for this CPU
    """, "images", "prepare", "debian:bookworm-slim", env={**os.environ, "DOCKER_DEFAULT_PLATFORM": S390X})
    assert_one_message(done, "the stand-in for debian:bookworm-slim came out for", "not s390x",
                       "Unset DOCKER_DEFAULT_PLATFORM")


def test_a_failing_install_step_names_itself_and_what_to_do():
    with pytest.raises(provision.ProvisionFailed, match=r"`false \.\.\.` failed .*apt-get update"):
        provision.run_step(["false"])
