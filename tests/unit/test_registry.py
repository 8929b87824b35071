"""registry:2 answers as its official documentation shows: run it on a port, tag an image for it, push,
pull back, read its catalog; and with htpasswd logins, refuse a push until `docker login`.

Each registry and image here carries a label of its own, and the client's credentials go to a
throw-away DOCKER_CONFIG folder: the learner's ~/.docker/config.json is never read or written."""

from __future__ import annotations

import os
import subprocess
import time

import bcrypt
import pytest
import requests
from image_support import one_file

import dockyard
from dockyard.ports import free_port

USER, PASSWORD = "learner", "dockyard-test-secret"


def docker(*args: str, config=None, stdin: str | None = None, check: bool = True) -> str:
    env = {**os.environ, "DOCKER_CONFIG": str(config)} if config else None
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0 or not check, f"docker {' '.join(args)} failed:\n{output}"
    return output


def answers(port: int, bound: float = 10) -> None:
    """Wait, within a bound, for the registry's /v2/ endpoint to answer (200, or 401 with logins)."""
    deadline = time.monotonic() + bound
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code in (200, 401):
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"no registry answered on 127.0.0.1:{port}"
        time.sleep(0.1)


def tiny_image(client, tag: str, label: str) -> None:
    """An image of one small file, imported under `tag`: quick to push and pull."""
    subprocess.run(["docker", "import", "--change", f"LABEL {dockyard.LABEL}={label}", "-", tag],
                   input=one_file(tag), capture_output=True, check=True, timeout=60)


@pytest.fixture(scope="module")
def label(module_label):
    """One label for everything this module creates; all of it goes at the end (tests/conftest.py)."""
    return module_label


def run_registry(client, label: str, name: str, *options: str) -> int:
    port = free_port()
    docker("run", "-d", "-p", f"127.0.0.1:{port}:5000", "--label", f"{dockyard.LABEL}={label}",
           "--name", name, *options, "registry:2")
    answers(port)
    return port


def test_push_pull_and_catalog_as_the_docs_show(client, label):
    port = run_registry(client, label, f"{label}-open")
    tag = f"localhost:{port}/dockyard-unit/hello:1"
    tiny_image(client, tag, label)
    assert "digest: sha256:" in docker("push", tag)
    docker("image", "rm", tag)
    assert "Downloaded newer image" in docker("pull", tag)
    catalog = requests.get(f"http://127.0.0.1:{port}/v2/_catalog", timeout=5).json()
    assert catalog == {"repositories": ["dockyard-unit/hello"]}
    tags = requests.get(f"http://127.0.0.1:{port}/v2/dockyard-unit/hello/tags/list", timeout=5).json()
    assert tags == {"name": "dockyard-unit/hello", "tags": ["1"]}


def test_a_registry_with_logins_refuses_a_push_until_docker_login(client, label, tmp_path):
    auth = tmp_path / "auth"
    auth.mkdir()
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()
    (auth / "htpasswd").write_text(f"{USER}:{hashed}\n")  # as `htpasswd -Bbn` writes it (cost 5)
    port = run_registry(client, label, f"{label}-auth", "-v", f"{auth}:/auth:ro",
                        "-e", "REGISTRY_AUTH=htpasswd", "-e", "REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm",
                        "-e", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd")
    config = tmp_path / "docker-config"
    config.mkdir()
    tag = f"localhost:{port}/dockyard-unit/secret:1"
    tiny_image(client, tag, label)
    refused = docker("push", tag, config=config, check=False)
    assert "no basic auth credentials" in refused
    assert "Login Succeeded" in docker("login", f"localhost:{port}", "--username", USER, "--password-stdin",
                                       config=config, stdin=PASSWORD)
    assert f"localhost:{port}" in (config / "config.json").read_text()
    assert "digest: sha256:" in docker("push", tag, config=config)
    docker("logout", f"localhost:{port}", config=config)
    assert f"localhost:{port}" not in (config / "config.json").read_text()
    assert requests.get(f"http://127.0.0.1:{port}/v2/_catalog", timeout=5).status_code == 401
