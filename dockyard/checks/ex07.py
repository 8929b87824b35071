"""Checks for the Compose exercises (ex07).

Compose has no API of its own: it creates ordinary containers, networks and volumes and labels each with
its project (`com.docker.compose.project`) and service (`com.docker.compose.service`). The checks find a
project's resources by those labels and read them like any other; they never run `docker compose`. A
project named `dockyard-ex07-...` gives every resource a name of that form, which is how the course's
clean-up finds them: a file needs no course label.

A healthcheck is tried where it must fail: in a throwaway container of the service's image, with the
service's environment, where nothing answers (dockyard.checks.trial). Data that outlives `down` is told
from data written afterwards by the engine's own record: Redis's append-only files are older than the
container that loaded them, and PostgreSQL's last shutdown checkpoint comes after the note's transaction.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from dockyard.checks import read, task, trial

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
# Each of Redis's append-only files in /data (appendonlydir/ since Redis 7) as "<mtime> <path>".
AOF_FILES = ["find", "/data", "-name", "appendonly*", "-type", "f", "-printf", "%T@ %P\\n"]
# Commands that write a string key; INFO commandstats counts each one a server ran since it started
# (what it replays from its append-only file at start is not counted).
WRITES = ("set", "setnx", "setex", "psetex", "mset", "msetnx", "getset", "append", "setrange", "restore",
          "copy", "rename", "renamenx", "move", "eval", "evalsha", "fcall")
# What the db's init scripts say, and the transaction of the posted note against the last checkpoint: a
# shutdown (down) writes one, and a later note's transaction comes after it.
INITDB = "/docker-entrypoint-initdb.d"
PSQL = 'psql -At -U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" '
# What each service's healthcheck asks, for the condition that it fails where that does not answer.
ANSWERS = {"redis": "Redis", "db": "PostgreSQL", "web": "the app"}


# Reading a Compose project ----------------------------------------------------------------------

def _service(c, client, project: str, service: str, image: str, healthy: bool = False):
    """Conditions on one service's container: it exists, runs the image, runs, and (`healthy`) has a
    healthcheck, is healthy, and its healthcheck fails where nothing answers."""
    found = read.compose_service(client, project, service)
    services = sorted({read.labels(x).get(read.COMPOSE_SERVICE) or "?"
                       for x in read.compose_containers(client, project)})
    c.check(f"service {service} of project {project} has a container", found,
            found=f"the project's services: {', '.join(services)}" if services
            else f"no container of project {project}")
    who = f"the {service} container"
    c.equal(f"{who} runs the image {image}", read.config(found).get("Image"), image)
    c.equal(f"{who} is running", read.status(found), "running")
    if healthy:
        test = (read.config(found).get("Healthcheck") or {}).get("Test") or []
        c.check(f"{who} has a healthcheck", test and test[0] != "NONE",
                found=" ".join(test) if test else "no healthcheck")
        c.equal(f"{who} is healthy", read.health(found), "healthy")
        _fails_alone(c, client, found, service, image)
    return found


def _fails_alone(c, client, found, service: str, image: str) -> None:
    """The service's healthcheck, run in a throwaway container of its image where only `sleep` runs,
    fails: a healthcheck that passes there (CMD true) says nothing about the service."""
    what = ANSWERS.get(service, service)
    config = read.config(found)
    if found is None or trial.health_command(config) is None:
        code, said = None, "no container" if found is None else "no healthcheck"
    else:
        code, said = trial.health_where(client, config.get("Image") or image, config, trial.NOTHING_RUNS)
    c.check(f"the {service} container's healthcheck fails when {what} does not answer "
            f"(tried where {what} does not run)", code not in (None, 0),
            found=said if code is None else f"exit code 0 there: it passes without {what}",
            expected="a non-zero exit code")


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
    "container healthy or unhealthy, so it must ask Redis itself: a command that succeeds whatever Redis "
    "does (true) proves nothing. up --wait returns once every service is running and healthy.",
    "In /tmp/dockyard-ex07/1/compose.yaml: name: dockyard-ex07-1 at the top, and under services: one "
    "service redis with image: and healthcheck: (test:, interval:, timeout:, retries:).",
    'healthcheck: test: ["CMD", "redis-cli", "ping"] (it exits 1 when no Redis answers) with interval: 2s, '
    "timeout: 5s, retries: 15. Then docker compose -f /tmp/dockyard-ex07/1/compose.yaml up -d --wait "
    '(in the cell: dockyard.sh("docker compose ...")).',
])
def healthy_redis(client, c) -> None:
    _service(c, client, "dockyard-ex07-1", "redis", "redis:7", healthy=True)


@task("ex07-2", hints=[
    "depends_on with condition: service_healthy makes Compose start web only once redis's healthcheck "
    "passes; services reach each other by service name on the project's network, so web's REDIS_URL names "
    "the host redis.",
    "Two services in /tmp/dockyard-ex07/2/compose.yaml: redis (with a healthcheck that asks Redis) and web "
    "(image: dockyard/sample-app:latest, init: true, environment: REDIS_URL, ports:, depends_on:). Then "
    "GET /visits once: the count lands in Redis.",
    'ports: - "127.0.0.1::5000" (no host port: Docker picks one); depends_on: redis: condition: '
    "service_healthy; REDIS_URL: redis://redis:6379/0. Then docker compose -f "
    "/tmp/dockyard-ex07/2/compose.yaml up -d --wait, and curl \"http://$(docker compose -f "
    '/tmp/dockyard-ex07/2/compose.yaml port web 5000)/visits".',
])
def app_and_cache(client, c) -> None:
    project = "dockyard-ex07-2"
    redis = _service(c, client, project, "redis", "redis:7", healthy=True)
    web = _service(c, client, project, "web", SAMPLE)
    url = read.env(web).get("REDIS_URL")
    where = _redis_at(url)
    c.check("web's REDIS_URL points at redis://redis:6379",
            where is not None and where[:2] == ("redis", 6379), found=url or "no REDIS_URL", expected="redis://redis:6379/0")
    _waits_for_healthy(c, web, "web", "redis")
    _published_locally(c, web, "web")
    _resolves(c, web, "web", redis, "redis")
    _answers_hello(c, web, "web")
    database = where[2] if where is not None else 0
    code, count = read.exec_output(redis, ["redis-cli", "-n", str(database), "GET", "visits"])
    c.check("redis holds the count of web's visits (GET /visits reached it: redis-cli GET visits answers "
            "1 or more)", code == 0 and count.isdigit() and int(count) >= 1,
            found=count if code is None else (count or "(nil)"), expected="1 or more")


@task("ex07-3", hints=[
    "docker compose down removes the containers and the network but keeps named volumes (down -v removes "
    "them); the next up creates new containers, which mount the same volumes. docker compose restart keeps "
    "the same container, so it proves nothing about down.",
    "Declare the volume at the top level (volumes: data:) and mount it with volumes: - data:/data in the "
    "redis service; command: [\"redis-server\", \"--appendonly\", \"yes\"]. Set the key before down, and "
    "only read it after up.",
    "docker compose -f /tmp/dockyard-ex07/3/compose.yaml exec -T redis redis-cli SET dockyard:ex07-3 "
    "\"kept across down and up\", then down (no -v), then up -d --wait, then exec -T redis redis-cli GET "
    "dockyard:ex07-3.",
])
def outlives_down(client, c) -> None:
    project, name = "dockyard-ex07-3", "dockyard-ex07-3_data"
    volume = read.volume(client, name)
    c.check(f"volume {name} exists", volume, found="no such volume")
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
    newest, seen = _aof_written(redis)
    created = _created(redis)
    c.check("the redis container is newer than its data: the append-only files on /data were last written "
            "before it was created (down and up, not restart)",
            newest is not None and created is not None and newest < created,
            found=seen if newest is None or created is None
            else f"written {newest - created:.1f} s after the container was created")
    writes = _writes(redis)
    c.check("nothing was written to the redis running now (INFO commandstats: no SET since it started): "
            "the key came from the file", writes == {},
            found="no running container" if writes is None
            else ", ".join(f"{command} ran {calls} time(s)" for command, calls in writes.items()))
    code, value = read.exec_output(redis, ["redis-cli", "GET", KEY])
    c.check(f"redis-cli GET {KEY} answers {VALUE}", code == 0 and value == VALUE,
            found=(value or "(nil)") if code == 0 else value, expected=VALUE)


@task("ex07-4", hints=[
    "PostgreSQL keeps its data in /var/lib/postgresql/data; on a named volume it outlives down. The image "
    "runs the scripts in /docker-entrypoint-initdb.d only when it finds that folder empty, so the note of "
    "the init script comes from the script, not from a POST. Each healthcheck asks its own service.",
    "Services db (postgres:15: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; a named volume; ./init.sql "
    "mounted in /docker-entrypoint-initdb.d/) and web (DATABASE_URL, depends_on db: condition: "
    "service_healthy); a healthcheck on each. POST the second note before down, never after up.",
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
    code, scripts = read.exec_output(db, ["sh", "-c", f"cat {INITDB}/* 2>/dev/null"])
    c.check(f"the db container has an init script in {INITDB}/ that writes the note {INIT_NOTE}",
            code is not None and INIT_NOTE in scripts and "insert" in scripts.lower(),
            found=scripts if code is None else "no such script" if not scripts.strip()
            else f"scripts without an INSERT of '{INIT_NOTE}'")
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
    saved, checkpoint, said = _before_shutdown(db)
    c.check(f"the note {POSTED_NOTE} was saved before the database last shut down (POST, then down and up)",
            saved is not None and checkpoint is not None and saved < checkpoint,
            found=said if saved is None or checkpoint is None
            else "saved after it: its transaction comes after the last shutdown checkpoint")


# Reading what Redis and PostgreSQL keep ----------------------------------------------------------

def _redis_at(url: str | None) -> tuple[str, int, int] | None:
    """(host, port, database number) of a redis:// URL (port 6379 and database 0 when left out)."""
    try:
        parts = urlsplit(url or "")
        if parts.scheme != "redis" or not parts.hostname:
            return None
        database = parts.path.strip("/") or "0"
        return parts.hostname, parts.port or 6379, int(database) if database.isdigit() else 0
    except ValueError:
        return None


def _created(found) -> float | None:
    """When the engine created the container, in seconds since the epoch (None without it)."""
    return read.moment(found.attrs.get("Created")) if found is not None else None


def _aof_written(found) -> tuple[float | None, str]:
    """When Redis last wrote any of its append-only files on /data (their newest modification time), and
    what was seen; (None, why not) without them."""
    code, listing = read.exec_output(found, AOF_FILES)
    if code is None:
        return None, listing
    times = [float(line.split()[0]) for line in listing.splitlines() if line.split()[:1]
             and re.fullmatch(r"\d+(\.\d+)?", line.split()[0])]
    if code != 0 or not times:
        return None, "no append-only file on /data"
    return max(times), f"last written {time.time() - max(times):.0f} s ago"


def _writes(found) -> dict[str, int] | None:
    """How many times the running Redis ran each command that writes a key since it started; None
    without a running container."""
    code, stats = read.exec_output(found, ["redis-cli", "INFO", "commandstats"])
    if code != 0:
        return None
    ran = {}
    for line in stats.splitlines():
        match = re.match(r"cmdstat_([\w|]+):calls=(\d+)", line.strip())
        if match and match[1].lower() in WRITES and int(match[2]):
            ran[match[1].lower()] = int(match[2])
    return ran


def _before_shutdown(found) -> tuple[int | None, int | None, str]:
    """(transaction id of the posted note, the next transaction id at PostgreSQL's last checkpoint, what
    was seen). A shutdown (down) writes a checkpoint: a note saved before it has a lower transaction id,
    one posted after the next start a higher one."""
    query = (f"SELECT min(xmin::text::bigint) FROM notes WHERE text = '{POSTED_NOTE}'; "
             "SELECT next_xid FROM pg_control_checkpoint();")
    code, said = read.exec_output(found, ["sh", "-c", PSQL + f'-c "{query}"'])
    if code is None:
        return None, None, said
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    if code != 0 or len(lines) != 2:
        return None, None, f"psql answered: {said[:60]}" if said else "no answer from psql"
    note, checkpoint = lines
    if not note.isdigit():
        return None, None, "no such note"
    return int(note), int(checkpoint.rsplit(":", 1)[-1]), ""


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


# ex07-5: the watch loop ----------------------------------------------------------------------------

WATCHED_IMAGE = "dockyard/ex07-5-web:1"
WATCH_GREETING = "Hello from watch!"
CONFIG_FILES = "com.docker.compose.project.config_files"
WORKING_DIR = "com.docker.compose.project.working_dir"
SYNCS = ("sync", "sync+restart", "sync+exec")


@task("ex07-5", hints=[
    "A develop: watch: section tells docker compose watch what to do when a file of the build context "
    "changes: sync copies it into the running container, sync+restart copies it and restarts that same "
    "container, rebuild builds the image and replaces the container. The sample app runs python app.py, "
    "which does not reload by itself.",
    "web gets build: ./app (your copy of sample-app), image: dockyard/ex07-5-web:1, init: true, ports: and "
    "develop: watch:, a list of rules with action:, path: (relative to compose.yaml) and, for a sync, "
    "target: (the path in the container). up -d --wait first, then docker compose watch in a terminal "
    "of its own, then the edit.",
    "watch: - action: sync+restart, path: ./app/app.py, target: /app/app.py; - action: rebuild, path: "
    "./app/requirements.txt. Then docker compose -f /tmp/dockyard-ex07/5/compose.yaml watch --no-up, and "
    "in another terminal change the greeting in /tmp/dockyard-ex07/5/app/app.py.",
])
def watched(client, c) -> None:
    project = "dockyard-ex07-5"
    web = _service(c, client, project, "web", WATCHED_IMAGE)
    image = read.image(client, WATCHED_IMAGE)
    c.check(f"Compose built {WATCHED_IMAGE} for the project (build:, not only image:)",
            read.labels(image).get(read.COMPOSE_PROJECT) == project,
            found="no such image" if image is None else "an image Compose did not build for it")
    rules, context, said = _watch_rules(web)
    code_file, pins = (context / "app.py", context / "requirements.txt") if context else (None, None)
    c.check("web's develop: watch: syncs app.py into the running container (sync or sync+restart)",
            any(rule["action"] in SYNCS and _covers(rule["path"], code_file) for rule in rules),
            found=said or _listed(rules))
    c.check("web's develop: watch: rebuilds the image when requirements.txt changes (rebuild)",
            any(rule["action"] == "rebuild" and _covers(rule["path"], pins) for rule in rules),
            found=said or _listed(rules))
    workdir = read.config(web).get("WorkingDir") or "/app"
    mounted = [m for m in (web.attrs.get("Mounts") or [] if web is not None else [])
               if f"{workdir}/".startswith(m.get("Destination", "").rstrip("/") + "/")]
    c.check(f"nothing is mounted over {workdir} (Compose copies the edits in; no bind mount)",
            web is not None and not mounted,
            found="no container" if web is None else ", ".join(read.describe_mount(m) for m in mounted))
    code, inside = read.exec_output(web, ["cat", f"{workdir}/app.py"])
    mine = _text(code_file)
    c.check(f"{workdir}/app.py, the file the app runs, is your app.py (the sync's target is where the app "
            "runs from)", code == 0 and mine is not None and inside == mine.strip(),
            found=inside if code is None else "no app.py beside compose.yaml" if mine is None
            else f"{workdir}/app.py differs from {code_file}")
    status, body = read.http_get(web)
    c.check(f"GET / on web's published port answers 200 {WATCH_GREETING}",
            status == 200 and body == WATCH_GREETING,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {WATCH_GREETING}")
    held = read.image_file(client, web.image if web is not None else None, "app.py")
    c.check(f"the image web runs still says {GREETING} in app.py: the edit reached the container, not the "
            "image", held is not None and GREETING.encode() in held,
            found="no container or no app.py in its image" if held is None else "the image holds the edit")
    edited, created = _mtime(code_file), _created(web)
    c.check("the web container was created before your last change to app.py: the same container serves "
            "the edit (no rebuild, no new container)",
            edited is not None and created is not None and created < edited,
            found="no app.py or no container" if edited is None or created is None
            else f"created {created - edited:.1f} s after the change")


def _watch_rules(found) -> tuple[list[dict], object, str]:
    """The watch rules of the container's service in the Compose files it was created from, with paths
    made absolute; the service's build context; and why not, when there is nothing to read."""
    labels = read.labels(found)
    files = [Path(f) for f in (labels.get(CONFIG_FILES) or "").split(",") if f]
    folder = Path(labels.get(WORKING_DIR) or (files[0].parent if files else "."))
    service = labels.get(read.COMPOSE_SERVICE)
    if found is None or not files:
        return [], None, "no container" if found is None else "no Compose files recorded on the container"
    rules, context = [], None
    for file in files:
        try:
            model = yaml.safe_load(file.read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            return [], None, f"{file} cannot be read ({type(error).__name__})"
        spec = ((model.get("services") or {}).get(service) or {}) if isinstance(model, dict) else {}
        build = spec.get("build")
        if build is not None:
            context = folder / (build if isinstance(build, str) else (build or {}).get("context", "."))
        for rule in (spec.get("develop") or {}).get("watch") or []:
            if isinstance(rule, dict) and rule.get("path"):
                rules.append({"action": rule.get("action"), "path": (folder / str(rule["path"])).resolve(),
                              "target": rule.get("target")})
    return rules, context.resolve() if context is not None else None, "" if rules else "no develop: watch:"


def _covers(path, file) -> bool:
    """A watch rule's path follows `file`: it is the file, or a folder that holds it."""
    return file is not None and (path == file.resolve() or path in file.resolve().parents)


def _listed(rules: list[dict]) -> str:
    return "; ".join(f"{rule['action']} {rule['path'].name}" for rule in rules)


def _text(path) -> str | None:
    try:
        return path.read_text() if path is not None else None
    except OSError:
        return None


def _mtime(path) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None
