"""The troubleshooting appendix quotes each message as a real engine prints it: every quoted message
is reproduced here on the engine and found, word for word, in what it really printed."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import socket
import subprocess
from pathlib import Path

import bcrypt
import pytest

import dockyard
from dockyard import locks
from dockyard.checks.core import CheckFailed
from dockyard.names import NameInUse, NameTaken
from dockyard.ports import free_port

PAGE = Path(__file__).resolve().parents[2] / "appendices" / "troubleshooting.md"
CHAPTER = "troubleshooting"
LABEL = f"--label={dockyard.LABEL}={CHAPTER}"
# Sections whose message this machine cannot produce on demand: a full disk, a TLS-intercepting proxy.
NOT_REPRODUCED = {"Make room on the disk", "Trust your network's certificate"}
# Sections that quote alternatives: the engine prints one of them, which one depends on timing.
ONE_OF = {"Make the app listen on every interface"}
# Quoted messages that an engine's major version decides: (section, block index) -> (from, before).
ENGINES = {("Free the port, or let Docker pick one", 1): (28, None),
           ("Free the port, or let Docker pick one", 2): (None, 28)}
# Quoted messages that the engine's image store decides: (section, block index) -> store.
STORES = {("Log in to the registry you push to", 1): "classic",
          ("Log in to the registry you push to", 2): "containerd",
          ("Name a tag the registry has", 0): "classic", ("Name a tag the registry has", 1): "containerd"}
# Quoted messages of Docker Desktop, which this Linux engine cannot print: (section, block index).
DESKTOP = {("Free the port, or let Docker pick one", 3)}


def sections() -> dict[str, list[str]]:
    """Each `## ` heading of the page, with the ```text blocks under it."""
    found: dict[str, list[str]] = {}
    for part in re.split(r"^## ", PAGE.read_text(), flags=re.M)[1:]:
        heading, body = part.split("\n", 1)
        found[heading.strip()] = re.findall(r"```text\n(.*?)\n```", body, flags=re.S)
    return found


def docker(*args: str, env: dict | None = None, user: int | None = None) -> str:
    command = ["docker", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    with locks.for_command(shlex.join(["docker", *args])):  # its builds take turns as the course's do
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              env={**os.environ, **(env or {})})
    return done.stdout + done.stderr


def normalised(text: str) -> str:
    # the page quotes the default socket; an engine elsewhere (DOCKER_HOST) names its own
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        text = text.replace(f"socket at {host}", "socket at unix:///var/run/docker.sock")
    text = re.sub(r"\b[0-9a-f]{12,64}\b", "<id>", text)
    text = re.sub(r"sha256:[0-9a-f]+\.\.\.", "sha256:<id>", text)  # the page shortens a digest
    text = re.sub(r"ref \S+::\S+:", "ref <ref>:", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", text)
    text = re.sub(r"localhost:\d+", "localhost:<port>", text)
    return re.sub(r"172\.\d+\.\d+\.\d+", "<ip>", text)


@pytest.fixture(scope="module")
def reproduced(client, tmp_path_factory):
    """The real output for each section, in the order of its quoted messages."""
    scratch = tmp_path_factory.mktemp("troubleshooting")
    name = "dockyard-containers-web"
    program = port_held_by_program()
    try:
        yield {
            "Start the engine": [docker("-H", "unix:///var/run/docker.sock.absent", "ps")
                                 .replace("docker.sock.absent", "docker.sock"), engine_down()],
            "Let your user reach the engine": [docker("ps", user=65534)],
            # the program's case twice: the page quotes Engine 28's wording and an older one's
            "Free the port, or let Docker pick one": [port_held_by_container(), program, program, ""],
            "Free the container name": name_taken(client, name),
            "Disconnect the containers before removing a network": [network_in_use()],
            "Reach the database by its service name": unknown_host(client),
            "Wait for a healthy dependency": [unhealthy_dependency(scratch)],
            "Set the variables Compose requires": [missing_variable(scratch)],
            "Give the container's user a folder it can write": [bind_mount_of_root(scratch)],
            "Name the image exactly": [docker("run", "--rm", LABEL, "pyhton:3.11-slim", "true")],
            "Send the file in the build context": [missing_copy(scratch)],
            "Run an image built for your CPU": [wrong_format(scratch)],
            "Make the app listen on every interface": [loopback_app()] * 2,
            "Give the watched service its rules and a build": watch_refused(scratch),
            "Read why an exercise check failed": [failed_check(client)],
            **registry_refusals(scratch),
        }
    finally:
        compose(scratch, "down", "--timeout", "0")
        dockyard.cleanup(client, CHAPTER, images=True)


def engine_down() -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock.absent")
        with pytest.raises(dockyard.EngineUnavailable) as raised:
            dockyard.connect(timeout=5)
    return str(raised.value).replace("unix:///var/run/docker.sock.absent",
                                     "the default socket, /var/run/docker.sock")


def port_held_by_container() -> str:
    first = docker("run", "-d", LABEL, "--name", "dockyard-troubleshooting-a", "-p", "127.0.0.1::5000",
                   "debian:bookworm-slim", "sleep", "60")
    assert re.fullmatch(r"[0-9a-f]{64}\n", first), first
    port = docker("port", "dockyard-troubleshooting-a", "5000").strip()
    return docker("run", "--rm", LABEL, "-p", f"{port}:5000", "debian:bookworm-slim", "true")


def port_held_by_program() -> str:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        return docker("run", "--rm", LABEL, "-p", f"127.0.0.1:{port}:5000", "debian:bookworm-slim", "true")


def network_in_use() -> str:
    network, member = "dockyard-troubleshooting-net", "dockyard-troubleshooting-member"
    docker("network", "create", LABEL, network)
    docker("run", "-d", LABEL, "--name", member, "--network", network, "debian:bookworm-slim", "sleep", "60")
    said = docker("network", "rm", network)
    # the page names the Networking chapter's network and container
    return said.replace(network, "dockyard-networking-mynetwork").replace(member, "dockyard-networking-web")


def unknown_host(client) -> list[str]:
    """libpq (psql) and psycopg 3 (in the sample app's image) asked for `db` on the default bridge."""
    dockyard.sample_image(client)  # builds it where it is missing
    psql = docker("run", "--rm", LABEL, "postgres:15", "psql", "-h", "db", "-U", "app")
    psycopg = docker("run", "--rm", LABEL, dockyard.SAMPLE_IMAGE, "python", "-c",
                     "import psycopg; psycopg.connect('postgresql://app:secret@db:5432/app')")
    return [psql, psycopg]


COMPOSE = """name: dockyard-troubleshooting
services:
  web:
    image: debian:bookworm-slim
    command: ["sleep", "60"]
    init: true
    depends_on:
      db: {condition: service_healthy}
    labels: {dockyard.chapter: troubleshooting}
  db:
    image: debian:bookworm-slim
    command: ["sleep", "60"]
    init: true
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 1}
    labels: {dockyard.chapter: troubleshooting}
networks:
  default:
    labels: {dockyard.chapter: troubleshooting}
"""


def compose(scratch: Path, *args: str, env: dict | None = None) -> str:
    (scratch / "compose.yaml").write_text(COMPOSE)
    env = {"POSTGRES_PASSWORD": "not-a-real-secret", **(env or {})}
    return docker("compose", "-f", str(scratch / "compose.yaml"), *args, env=env)


def unhealthy_dependency(scratch: Path) -> str:
    # the page names the Compose chapter's project
    said = compose(scratch, "up", "-d")
    return said.replace("dockyard-troubleshooting-", "dockyard-compose-")


def missing_variable(scratch: Path) -> str:
    return compose(scratch, "config", env={"POSTGRES_PASSWORD": ""})


def bind_mount_of_root(scratch: Path) -> str:
    context, data = scratch / "user", scratch / "data"
    context.mkdir()
    data.mkdir(mode=0o755)  # the host's folder: its owner may write, others may not
    (context / "Dockerfile").write_text("FROM python:3.11-slim\nUSER 10001\n")
    tag = "dockyard/troubleshooting-user"
    docker("build", "-q", LABEL, "-t", tag, str(context))
    return docker("run", "--rm", LABEL, "-v", f"{data}:/data", tag,
                  "python", "-c", "open('/data/notes.txt', 'w')")


def name_taken(client, name: str) -> list[str]:
    if client.containers.list(all=True, filters={"name": f"^/{name}$"}):
        pytest.skip(f"a container called {name} exists on this engine; the test needs its name")
    mine = client.containers.create("debian:bookworm-slim", ["true"], name=name)  # the learner's own
    try:
        conflict = docker("create", LABEL, "--name", name, "debian:bookworm-slim", "true")
        with pytest.raises(NameTaken) as refused:
            dockyard.claim(client, "container", name)
    finally:
        mine.remove(force=True)
    ours = client.containers.create("debian:bookworm-slim", ["true"], name=name,
                                    labels=dockyard.labels("containers"))  # an earlier run's
    try:
        with pytest.raises(NameInUse) as again:
            dockyard.claim(client, "container", name)
    finally:
        ours.remove(force=True)
    return [conflict, str(refused.value), str(again.value)]


def missing_copy(scratch: Path) -> str:
    (scratch / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY requirements.txt /\n")
    return docker("build", "--progress=plain", LABEL, str(scratch))


def wrong_format(scratch: Path) -> str:
    context = scratch / "format"
    context.mkdir()
    # bytes the kernel cannot execute, where the image's program would be
    (context / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n"
        "RUN mkdir -p /usr/local/bin && printf 'not a program' > /usr/local/bin/python"
        " && chmod +x /usr/local/bin/python\n"
        'CMD ["/usr/local/bin/python"]\n')
    tag = "dockyard/troubleshooting-format"
    docker("build", "-q", LABEL, "-t", tag, str(context))
    return docker("run", "--rm", LABEL, tag)


def loopback_app() -> str:
    docker("run", "-d", LABEL, "--name", "dockyard-troubleshooting-loopback", "-p", "127.0.0.1::8000",
           "python:3.11-slim", "python", "-m", "http.server", "--bind", "127.0.0.1", "8000")
    port = docker("port", "dockyard-troubleshooting-loopback", "8000").strip()
    inside = ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/')"]
    for _ in range(50):  # wait until the server answers inside the container, then ask from outside
        if "Error" not in docker("exec", "dockyard-troubleshooting-loopback", *inside):
            break
    done = subprocess.run(["curl", "-sS", f"http://{port}/"], capture_output=True, text=True, timeout=30)
    return done.stderr


def watch_refused(scratch: Path) -> list[str]:
    """`docker compose watch` on a service without watch rules, then on one whose rebuild rule has no
    build: Compose refuses both before it creates anything."""
    said = []
    for name, service in (("none", "    build: .\n"),
                          ("image", "    image: debian:bookworm-slim\n    develop:\n      watch:\n"
                                    "        - action: rebuild\n          path: .\n")):
        folder = scratch / f"watch-{name}"
        folder.mkdir()
        (folder / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
        (folder / "compose.yaml").write_text("services:\n  web:\n" + service)
        said.append(docker("compose", "-f", str(folder / "compose.yaml"), "-p", "dockyard-troubleshooting",
                           "watch", "--no-up"))
    return said


def failed_check(client) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKYARD_PROGRESS", os.devnull)
        try:
            with locks.chapter("ex03"):  # test_checks_ex03 builds ex03-1's right answer on the other worker
                dockyard.check(client, "ex03-1")
        except CheckFailed as error:
            return str(error)
    return ""


def registry_refusals(scratch: Path) -> dict[str, list[str]]:
    """A registry:2 with htpasswd logins: a push with no credentials, a push with a wrong password, and a
    pull of a tag it never had; the client's configuration in a folder of its own."""
    auth, config = scratch / "auth", scratch / "docker-config"
    auth.mkdir()
    config.mkdir()
    (auth / "htpasswd").write_text(f"learner:{bcrypt.hashpw(b'right', bcrypt.gensalt(5)).decode()}\n")
    port = free_port()
    docker("run", "-d", LABEL, "--name", "dockyard-troubleshooting-registry", "-p", f"127.0.0.1:{port}:5000",
           "-v", f"{auth}:/auth:ro", "-e", "REGISTRY_AUTH=htpasswd",
           "-e", "REGISTRY_AUTH_HTPASSWD_REALM=Registry", "-e", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd",
           "registry:2")
    dockyard.wait_for_http(f"http://127.0.0.1:{port}/v2/")
    tag = f"localhost:{port}/dockyard/share-app:1"  # the page's example names Share images' repository
    env = {"DOCKER_CONFIG": str(config)}

    def logged_in_as(password: str) -> None:
        auth = base64.b64encode(f"learner:{password}".encode()).decode()
        (config / "config.json").write_text(json.dumps({"auths": {f"localhost:{port}": {"auth": auth}}}))

    docker("tag", "debian:bookworm-slim", tag)
    try:
        none = docker("push", tag, env=env)
        logged_in_as("wrong")
        wrong = docker("push", tag, env=env)
        logged_in_as("right")
        unknown = docker("pull", f"localhost:{port}/dockyard/share-app:2.0", env=env)
    finally:
        docker("rmi", tag)
    # the wrong password's refusal, as each image store words it (STORES)
    return {"Log in to the registry you push to": [none, wrong, wrong],
            "Name a tag the registry has": [unknown, unknown]}


def test_every_section_quotes_a_message():
    assert all(blocks for blocks in sections().values())
    assert len(sections()) >= 10


def test_docker_desktop_wording_is_marked_as_not_reproduced():
    page = PAGE.read_text()
    for heading, index in DESKTOP:
        quoted = sections()[heading][index]
        before = page[:page.index(quoted)].rsplit("```text", 1)[0].rstrip().rsplit("\n\n", 1)[-1]
        assert "Docker Desktop" in before and "not reproduced" in before, before


def for_this_engine(heading: str, index: int, major: int) -> bool:
    since, before = ENGINES.get((heading, index), (None, None))
    return (since is None or major >= since) and (before is None or major < before)


def test_every_quoted_message_is_what_the_engine_prints(reproduced, client):
    page = sections()
    major = int(client.version()["Version"].split(".")[0])
    store = dockyard.image_store(client)
    assert set(reproduced) | NOT_REPRODUCED == set(page)
    for heading, outputs in reproduced.items():
        if heading in ONE_OF:
            assert any(normalised(quoted) in normalised(outputs[0]) for quoted in page[heading]), outputs[0]
            continue
        for index, (quoted, real) in enumerate(zip(page[heading], outputs, strict=True)):
            if (heading, index) in DESKTOP or not for_this_engine(heading, index, major):
                continue
            if STORES.get((heading, index), store) != store:
                continue
            assert normalised(quoted) in normalised(real), f"{heading}: the page quotes\n{quoted}\n" \
                                                           f"but the engine printed\n{real}"
