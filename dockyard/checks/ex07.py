"""Checks for the Compose exercises (ex07).

Compose has no API of its own: it creates ordinary containers, networks and volumes and labels each with
its project (`com.docker.compose.project`) and service (`com.docker.compose.service`). The checks find a
project's resources by those labels and read them like any other; they never run `docker compose`.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from dockyard import listing
from dockyard.checks import read, task

CHAPTER = "ex07"
SAMPLE = "dockyard/sample-app:latest"
GREETING = "Hello from Docker!"
DEPENDS_ON = "com.docker.compose.depends_on"
# ex07-3: the key the learner sets before `down`, and its value.
KEY, VALUE = "dockyard:ex07-3", "kept across down and up"
# ex07-4: the note the init script writes, and the one the learner posts before `down`.
INIT_NOTE, POSTED_NOTE = "Created by init.sql.", "Written before down and up."
PGDATA = "/var/lib/postgresql/data"
# What the postgres image logs only when it initialises an empty data folder (official and stand-in).
INITIALISED = "PostgreSQL init process complete"
# What redis-server logs when it starts from the append-only files it finds in /data.
AOF_LOADED = "DB loaded from append only file"


# Reading a Compose project ----------------------------------------------------------------------

def _service(c, client, project: str, service: str, image: str, healthy: bool = False):
    """Conditions on one service's container: it exists, is labelled, runs the image, runs, is healthy."""
    found = read.compose_service(client, project, service)
    services = sorted({read.labels(x).get(read.COMPOSE_SERVICE) or "?"
                       for x in read.compose_containers(client, project)})
    c.check(f"service {service} of project {project} has a container", found,
            found=f"the project's services: {', '.join(services)}" if services
            else f"no container of project {project}")
    who = f"the {service} container"
    c.equal(f"{who} carries the label dockyard.chapter={CHAPTER}", read.chapter_label(found), CHAPTER)
    c.equal(f"{who} runs the image {image}", read.config(found).get("Image"), image)
    c.equal(f"{who} is running", read.status(found), "running")
    if healthy:
        test = (read.config(found).get("Healthcheck") or {}).get("Test") or []
        c.check(f"{who} has a healthcheck", test and test[0] != "NONE",
                found=" ".join(test) if test else "no healthcheck")
        c.equal(f"{who} is healthy", read.health(found), "healthy")
    return found


def _networks(c, client, project: str) -> None:
    networks = listing.networks(client, {"label": [f"{read.COMPOSE_PROJECT}={project}"]})
    unlabelled = sorted(n.name for n in networks if read.chapter_label(n) != CHAPTER)
    c.check(f"the networks of {project} carry the label dockyard.chapter={CHAPTER}",
            networks and not unlabelled,
            found=(f"without it: {', '.join(unlabelled)}" if unlabelled
                   else f"no network of project {project}"))


def _depends_on(found) -> dict[str, str]:
    """What Compose recorded of `depends_on`: {service: condition}, from `db:service_healthy:false,...`."""
    text = (found.labels or {}).get(DEPENDS_ON, "") if found is not None else ""
    parts = [part.split(":") for part in text.split(",") if part]
    return {bits[0]: (bits[1] if len(bits) > 1 else "") for bits in parts}


def _waits_for_healthy(c, found, service: str, needed: str) -> None:
    conditions = _depends_on(found)
    c.check(f"{service} waits for {needed} to be healthy (depends_on, condition: service_healthy)",
            conditions.get(needed) == "service_healthy",
            found=", ".join(f"{name} ({why})" for name, why in conditions.items()) or "no depends_on",
            expected=f"{needed} (service_healthy)")


# Publishing and HTTP ----------------------------------------------------------------------------

def _published_locally(c, found, service: str) -> None:
    bindings = read.port_bindings(found, "5000/tcp")
    where = read.describe_bindings(bindings)
    c.check(f"{service} publishes 5000/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings), found=where,
            expected="127.0.0.1")
    c.check(f"Docker picked {service}'s host port (none fixed in compose.yaml)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings), found=where,
            expected="host port any")


def _answers_hello(c, found, service: str) -> None:
    status, body = read.http_get(found)
    c.check(f"GET / on {service}'s published port answers 200 {GREETING}", status == 200 and body == GREETING,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {GREETING}")


def _resolves(c, found, service: str, target, name: str) -> None:
    """Inside `found`, `getent hosts NAME` answers one of the target container's addresses."""
    code, address = read.lookup(found, name)
    expected = {e.get("IPAddress") for e in read.endpoints(target).values() if e.get("IPAddress")}
    if code is None:
        seen = address
    elif code:
        seen = f"not found (getent exit code {code})"
    else:
        seen = address if expected else f"{address}, but no {name} container to compare"
    c.check(f"inside {service}, getent hosts {name} answers the {name} container's address",
            code == 0 and address in expected, found=seen)


# The tasks ----------------------------------------------------------------------------------------

@task("ex07-1", hints=[
    "A healthcheck is a command the engine runs in the container at an interval; its exit code makes the "
    "container healthy or unhealthy. up --wait returns once every service is running and healthy.",
    "In /tmp/dockyard-ex07/1/compose.yaml: name: dockyard-ex07-1, a service redis (image:, healthcheck:, "
    "labels:), and a top-level networks: default: only to give the network labels:.",
    'healthcheck: test: ["CMD", "redis-cli", "ping"] with interval: 2s; and networks: default: labels: '
    "dockyard.chapter: ex07 at the top level. Then docker compose -f /tmp/dockyard-ex07/1/compose.yaml "
    'up -d --wait (in the cell: dockyard.sh("docker compose ...")).',
])
def healthy_redis(client, c) -> None:
    project = "dockyard-ex07-1"
    _service(c, client, project, "redis", "redis:7", healthy=True)
    _networks(c, client, project)


@task("ex07-2", hints=[
    "depends_on with condition: service_healthy makes Compose start web only once redis's healthcheck "
    "passes; services reach each other by service name on the project's network.",
    "Two services in /tmp/dockyard-ex07/2/compose.yaml: redis (with a healthcheck) and web (image: "
    "dockyard/sample-app:latest, environment: REDIS_URL, ports:, depends_on:), each with labels:.",
    'ports: - "127.0.0.1::5000" (no host port: Docker picks one); depends_on: redis: condition: '
    "service_healthy; REDIS_URL: redis://redis:6379/0. Then docker compose -f "
    "/tmp/dockyard-ex07/2/compose.yaml up -d --wait; docker compose -f /tmp/dockyard-ex07/2/compose.yaml "
    "port web 5000 shows the port.",
])
def app_and_cache(client, c) -> None:
    project = "dockyard-ex07-2"
    redis = _service(c, client, project, "redis", "redis:7", healthy=True)
    web = _service(c, client, project, "web", SAMPLE)
    url = read.env(web).get("REDIS_URL")
    c.check("web's REDIS_URL points at redis://redis:6379", (url or "").startswith("redis://redis:6379"),
            found=url or "no REDIS_URL", expected="redis://redis:6379/0")
    _waits_for_healthy(c, web, "web", "redis")
    _published_locally(c, web, "web")
    _resolves(c, web, "web", redis, "redis")
    _answers_hello(c, web, "web")
    _networks(c, client, project)


@task("ex07-3", hints=[
    "docker compose down removes the containers and the network but keeps named volumes (down -v removes "
    "them). A new container that mounts the same volume finds the data there.",
    "Declare volumes: data: (with labels:) at the top level and mount it with volumes: - data:/data in the "
    "redis service; command: [\"redis-server\", \"--appendonly\", \"yes\"].",
    "docker compose -f /tmp/dockyard-ex07/3/compose.yaml exec -T redis redis-cli SET dockyard:ex07-3 "
    "\"kept across down and up\", then down (no -v), then up -d --wait.",
])
def outlives_down(client, c) -> None:
    project, name = "dockyard-ex07-3", "dockyard-ex07-3_data"
    volume = read.volume(client, name)
    c.check(f"volume {name} exists", volume, found="no such volume")
    c.equal(f"{name} carries the label dockyard.chapter={CHAPTER}", read.chapter_label(volume), CHAPTER)
    redis = _service(c, client, project, "redis", "redis:7")
    mount = read.mount(redis, "/data")
    c.check(f"the redis container mounts {name} at /data",
            mount.get("Type") == "volume" and mount.get("Name") == name,
            found=read.describe_mount(mount) if redis is not None else "no container",
            expected=f"volume {name}")
    code, said = read.exec_output(redis, ["redis-cli", "CONFIG", "GET", "appendonly"])
    c.check("redis keeps an append-only file (CONFIG GET appendonly answers yes)",
            code == 0 and said.split() == ["appendonly", "yes"], found=" ".join(said.split()) or "nothing")
    logs = read.logs(redis)
    c.check("redis loaded its data from the append-only file when it started (up after a down)",
            AOF_LOADED in logs,
            found=("no container" if redis is None else
                   f"no '{AOF_LOADED}' in its logs: it started without data on /data"))
    code, value = read.exec_output(redis, ["redis-cli", "GET", KEY])
    c.check(f"redis-cli GET {KEY} answers {VALUE}", code == 0 and value == VALUE,
            found=(value or "(nil)") if code == 0 else value, expected=VALUE)
    _networks(c, client, project)


@task("ex07-4", hints=[
    "PostgreSQL keeps its data in /var/lib/postgresql/data; on a named volume it outlives down. The image "
    "runs the scripts in /docker-entrypoint-initdb.d only when it finds that folder empty.",
    "Services db (postgres:15: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; a volume; ./init.sql mounted "
    "in /docker-entrypoint-initdb.d/) and web (DATABASE_URL, depends_on db: condition: service_healthy); "
    "a healthcheck on each.",
    'db: pg_isready -h 127.0.0.1 in a CMD-SHELL healthcheck; web: python -c "import urllib.request; '
    "urllib.request.urlopen('http://127.0.0.1:5000/health')\"; DATABASE_URL: "
    "postgresql://USER:PASSWORD@db:5432/DB; the variables in /tmp/dockyard-ex07/4/.env, the script in "
    '/tmp/dockyard-ex07/4/init.sql. POST the note with curl -s -H "Content-Type: application/json" -d '
    "'{\"text\": \"...\"}' \"http://$(docker compose -f /tmp/dockyard-ex07/4/compose.yaml port web "
    '5000)/notes", then down, then up -d --wait.',
])
def notes_survive(client, c) -> None:
    project = "dockyard-ex07-4"
    db = _service(c, client, project, "db", "postgres:15", healthy=True)
    mount = read.mount(db, PGDATA)
    named = mount.get("Type") == "volume" and not re.fullmatch(r"[0-9a-f]{64}", mount.get("Name") or "")
    c.check(f"the db container keeps {PGDATA} on a named volume", named,
            found=(read.describe_mount(mount) + (" (anonymous)" if mount.get("Type") == "volume" else ""))
            if db is not None else "no container", expected="a named volume")
    volume = read.volume(client, mount["Name"]) if named else None
    c.equal(f"that volume carries the label dockyard.chapter={CHAPTER}", read.chapter_label(volume), CHAPTER)
    logs = read.logs(db)
    c.check("the db container started on data an earlier one wrote (no initialisation in its logs)",
            db is not None and INITIALISED not in logs,
            found=("no container" if db is None
                   else f"'{INITIALISED}' in its logs: it initialised an empty folder"))
    web = _service(c, client, project, "web", SAMPLE, healthy=True)
    _waits_for_healthy(c, web, "web", "db")
    url = read.env(web).get("DATABASE_URL")
    c.check("web's DATABASE_URL points at the host db", _host(url) == "db", found=_masked(url))
    _published_locally(c, web, "web")
    status, body = read.http_get(web, path="/notes")
    notes = _notes(status, body)
    listed = "; ".join(notes) if notes is not None else (f"{status} {body[:60]}" if status else body)
    for note in (INIT_NOTE, POSTED_NOTE):
        c.check(f"GET /notes on web's published port lists the note {note}",
                notes is not None and note in notes, found=listed or "no notes", expected=note)
    _networks(c, client, project)


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:
        return None


def _masked(url: str | None) -> str:
    """The URL with its password hidden, so a check's output never shows it."""
    if not url:
        return "no DATABASE_URL"
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _notes(status: int | None, body: str) -> list[str] | None:
    if status != 200:
        return None
    try:
        return [str(note.get("text")) for note in json.loads(body).get("notes", [])]
    except (ValueError, AttributeError):
        return None
