"""Checks for the Production images exercises (ex09).

Images are read from their configuration and history; ex09-4 also reads every layer, through the
archive `docker save` streams (`image.save()`), which changes nothing, and which step made the layer
that holds the token's digest. What an image does shows in a running container: the checks list its
processes (`docker top`), its changes (`docker diff`), send a GET to its published port, and run commands
that only read inside it (`id -u`, `stat`, `cat`). A HEALTHCHECK is tried where it must fail: in a
throwaway container of the image where a stand-in answers 503 on /health (dockyard.checks.trial).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import time
from datetime import UTC, datetime
from pathlib import PurePosixPath

from docker.errors import APIError

from dockyard.builds import instruction
from dockyard.checks import core, proof, read, task, trial
from dockyard.processes import without_emulator
from dockyard.waiting import until

GREETING = "Hello from Docker!"
PYTHONS = ("python", "python3", "python3.11")
SETTINGS = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
# ex09-4: what the setup cell writes into /tmp/dockyard-ex09/token.txt (fake: it opens nothing).
TOKEN = "dockyard-ex09-fake-token-2718"
TOKEN_TARGET = "/run/secrets/token"
FINGERPRINT = "/app/token.sha256"
OWNER_OF_FLASK = "import flask, os; print(os.stat(os.path.dirname(flask.__file__)).st_uid)"
SLIM = "python:3.11-slim"
# ex09-3: a stand-in for the app on port 8000 whose /health fails (503) while every other path answers:
# a HEALTHCHECK that asks /health fails against it, one that asks / or nothing at all passes.
HEALTH_FAILS = (
    "import http.server\n"
    "class Handler(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        failing = self.path.split('?')[0].rstrip('/') == '/health'\n"
    "        self.send_response(503 if failing else 200)\n"
    "        self.end_headers()\n"
    "        self.wfile.write(b'failing' if failing else b'Hello from Docker!')\n"
    "    do_HEAD = do_GET\n"
    "    def log_message(self, *args):\n"
    "        pass\n"
    "http.server.ThreadingHTTPServer(('0.0.0.0', 8000), Handler).serve_forever()\n")
LISTENS = ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8000), 1)"]


# Readers ---------------------------------------------------------------------------------------

def _exec(found, command: list[str]) -> tuple[int | None, str]:
    """(exit code, output) of a command that only reads, in a running container, or (None, why not)."""
    if read.status(found) != "running":
        return None, "no running container"
    try:
        ran = found.exec_run(command)
    except APIError:  # it stopped a moment ago
        return None, "no running container"
    return ran.exit_code, ran.output.decode(errors="replace").strip()


def _uid(user: str | None) -> str | None:
    """The UID of a USER setting when it is a number other than 0 ("10001:10001" gives "10001")."""
    uid = (user or "").split(":")[0]
    return uid if uid.isdigit() and int(uid) != 0 else None


def _env(resource) -> dict[str, str]:
    pairs = read.config(resource).get("Env") or []
    return dict(pair.split("=", 1) if "=" in pair else (pair, "") for pair in pairs)


def _bindings(found, port: str) -> list[dict]:
    if found is None:
        return []
    return ((found.attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(port) or []


def _where(bindings: list[dict]) -> str:
    if not bindings:
        return "not published"
    return ", ".join(f"{b.get('HostIp') or 'all interfaces'}, host port {b.get('HostPort') or 'any'}"
                     for b in bindings)


def _bytecode(found) -> list[str] | None:
    """What `docker diff` shows of bytecode under /app (None without a running container)."""
    if read.status(found) != "running":
        return None
    return [change["Path"] for change in found.diff() or []
            if change["Path"].startswith("/app") and change["Path"].endswith((".pyc", "__pycache__"))]


def _is_gunicorn(command: str) -> bool:
    """Whether a process (as `docker top` shows its command) is Gunicorn itself, not a shell or init."""
    words = [PurePosixPath(word).name for word in without_emulator(command).split()[:3]]
    if not words:
        return False
    if words[0].startswith("gunicorn"):  # "gunicorn", or a title such as "gunicorn: master [app:app]"
        return True
    return words[0].startswith("python") and (words[1:2] == ["gunicorn"] or words[1:3] == ["-m", "gunicorn"])


def _processes(found) -> list[dict]:
    if read.status(found) != "running":
        return []
    top = found.top()
    return [dict(zip(top["Titles"], process, strict=False)) for process in top.get("Processes") or []]


def _gunicorn(found, workers: int, boot: float = read.APP_WAIT,
              forks: float = 5) -> tuple[int, int, list[dict]]:
    """(masters, workers of the first master, every process).

    Gunicorn's master starts (slowly under emulation), then forks its workers one after the other within
    a moment: look again until it has `workers`, or `forks` seconds after its first worker appeared, or
    `boot` seconds after the container started.
    """
    first_fork = None

    def look() -> tuple[int, int, list[dict]]:
        nonlocal first_fork
        rows = _processes(found)
        ours = [row for row in rows if _is_gunicorn(row.get("CMD", ""))]
        pids = {row["PID"] for row in ours}
        masters = [row for row in ours if row["PPID"] not in pids]
        children = [row for row in ours if masters and row["PPID"] == masters[0]["PID"]]
        if children and first_fork is None:
            first_fork = time.monotonic()
        return len(masters), len(children), rows

    def settled(seen: tuple[int, int, list[dict]]) -> bool:
        masters, children, _ = seen
        forked = first_fork is not None and time.monotonic() - first_fork > forks
        return children >= workers or not masters or forked or _running_for(found) > boot

    # `boot` counts from the container's start, so the wait itself never needs longer than that.
    return until(look, timeout=boot, interval=0.5, done=settled)


def _running_for(found) -> float:
    """Seconds since the container started (by the engine's clock, read from State.StartedAt)."""
    started = (found.attrs.get("State") or {}).get("StartedAt") or ""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?", started)
    if not match:
        return float("inf")
    moment = datetime.fromisoformat(match[1]).replace(tzinfo=UTC).timestamp()
    return time.time() - moment - float(match[2] or 0)


def _starts(config: dict) -> list[str]:
    """What a container of an image runs without a command of its own: ENTRYPOINT, then CMD."""
    return (config.get("Entrypoint") or []) + (config.get("Cmd") or [])


def _runs_gunicorn(command: list[str]) -> bool:
    names = [PurePosixPath(word).name for word in command[:3]]
    return bool(names) and (names[0] == "gunicorn"
                            or (names[0] in PYTHONS and names[1:3] == ["-m", "gunicorn"]))


def _saved(image) -> tuple[list[str], str | None, str | None]:
    """Where the token occurs in `docker save`'s archive of the image, the fingerprint file's text, and
    what made the layer that holds that file (its history entry's command).

    The archive holds the image's configuration (history included), one file per layer, itself a tar
    (gzip-compressed with the containerd image store), and last the manifest that says which is which.
    Each file is read whole, one at a time, and searched for the token; in every layer the fingerprint
    file is looked up too. The history entries that made a layer (not marked empty_layer) are in the order
    of the manifest's layers.
    """
    places, fingerprints, manifest, small = [], {}, {}, {}
    for name, data in read.saved_files(image):
        if name == "manifest.json":
            manifest = json.loads(data)[0]
        if TOKEN.encode() in data:
            places.append(name)
        if data[257:262] == b"ustar":  # a tar archive: a layer
            fingerprints[name] = _file_in_layer(data, FINGERPRINT.lstrip("/"))
        elif len(data) < 2**20:
            small[name] = data  # the configuration among them
    layers = manifest.get("Layers") or []
    try:
        history = json.loads(small.get(manifest.get("Config"), b"{}")).get("history") or []
    except ValueError:
        history = []
    steps = [entry.get("created_by") or "" for entry in history if not entry.get("empty_layer")]
    found, step = None, None
    for number, layer in enumerate(layers):  # the newest layer that adds or deletes the file decides
        if fingerprints.get(layer, "absent") != "absent":
            found = fingerprints[layer]
            step = steps[number] if number < len(steps) and len(steps) == len(layers) else None
    kinds = {manifest.get("Config"): "the configuration", **{layer: "a layer" for layer in layers}}
    return sorted({kinds.get(place, place) for place in places}), found, step


def _file_in_layer(data: bytes, path: str) -> str | None:
    """The text of `path` in a layer's tar, None if the layer deletes it, "absent" if it does not touch it."""
    folder, name = path.rsplit("/", 1)
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        for member in layer:
            where = member.name.removeprefix("./")
            if where == path and member.isfile():
                return layer.extractfile(member).read().decode(errors="replace")
            if where in (f"{folder}/.wh.{name}", f"{folder}/.wh..wh..opq"):
                return None
    return "absent"


# Shared conditions -----------------------------------------------------------------------------

def _image(c, client, tag: str):
    """The image, which must exist, be built on python:3.11-slim and from a Dockerfile; None without it."""
    image = core.image(c, client, tag)
    under = read.image(client, SLIM)
    c.check(f"{tag} is built on {SLIM}", proof.built_on(image, under),
            found="no image" if image is None else f"{SLIM} is not on this engine" if under is None
            else "another base image")
    steps = proof.own_steps(image, under)
    c.check(f"each step {tag} adds to {SLIM} is a Dockerfile instruction (built, not committed)",
            steps is not None and not proof.not_built(steps),
            found=("no image" if image is None else f"not built on {SLIM}" if steps is None
                   else proof.describe_steps(steps)))
    return image


def _numeric_user(c, image, tag) -> str | None:
    user = read.config(image).get("User")
    uid = _uid(user)
    c.check(f"{tag}'s configured user is a numeric UID other than 0", uid,
            found="no image" if image is None else user or "root (no USER)", expected="a UID such as 10001")
    return uid


def _not_root_inside(c, found, name) -> str | None:
    code, uid = _exec(found, ["id", "-u"])
    c.check(f"inside {name}, id -u is not 0 (the app does not run as root)",
            code == 0 and uid not in ("", "0"),
            found=f"uid {uid}" if code == 0 else uid if code is None else f"id exit code {code}",
            expected="a UID other than 0")
    return uid if code == 0 and uid not in ("", "0") else None


# Tasks -------------------------------------------------------------------------------------------

@task("ex09-1", hints=[
    "Three things: a user of the app's own with a fixed UID, the app's files handed to it as they are "
    "copied in, and USER by number so that every container runs as that user. Install the packages "
    "before USER, so they stay root's. Build it from a Dockerfile on python:3.11-slim: a docker commit "
    "does not count.",
    "RUN groupadd --gid 10001 appuser && useradd --uid 10001 --gid 10001 --no-create-home appuser, then "
    "COPY --chown=10001:10001 . . and USER 10001:10001 (after RUN pip install).",
    "docker build -f /tmp/dockyard-ex09/Dockerfile.1 -t dockyard/ex09-1-app:1 sample-app; then docker run "
    "-d --init --name dockyard-ex09-1-web dockyard/ex09-1-app:1, without -u.",
])
def non_root(client, c) -> None:
    tag, name = "dockyard/ex09-1-app:1", "dockyard-ex09-1-web"
    image = _image(c, client, tag)
    _numeric_user(c, image, tag)
    found = core.named_container(c, client, name, image=tag, status="running")
    uid = _not_root_inside(c, found, name)
    code, owners = _exec(found, ["stat", "-c", "%u", "/app", "/app/app.py"])
    owner_ids = owners.split() if code == 0 else []
    c.check(f"inside {name}, /app and /app/app.py belong to the app's user",
            uid is not None and owner_ids == [uid, uid],
            found=(f"owners {', '.join(owner_ids)}, app's user {uid or 'root'}" if code == 0
                   else owners if code is None else "no /app/app.py"),
            expected=f"owner {uid}" if uid else "a non-root owner")
    code, packages = _exec(found, ["python", "-c", OWNER_OF_FLASK])
    c.check(f"inside {name}, the installed packages belong to root (flask's folder: UID 0)",
            code == 0 and packages == "0",
            found=f"UID {packages}" if code == 0 else packages if code is None else "no flask to import",
            expected="UID 0")


@task("ex09-2", hints=[
    "Flask's development server serves one process; Gunicorn starts a master that forks workers. Make "
    "Gunicorn the image's command, in exec form, keep the app's own user from the task before, and let "
    "Docker pick the host port on 127.0.0.1.",
    'Start from Dockerfile.1 (USER 10001:10001 stays); CMD ["gunicorn", "--bind", "0.0.0.0:8000", '
    '"--workers", "2", "app:app"] after installing requirements-prod.txt; EXPOSE 8000.',
    "docker build -f /tmp/dockyard-ex09/Dockerfile.2 -t dockyard/ex09-2-app:1 sample-app, then docker run "
    "-d --name dockyard-ex09-2-web -p 127.0.0.1::8000 dockyard/ex09-2-app:1; SDK: ports={'8000/tcp': "
    "('127.0.0.1', None)}.",
])
def gunicorn(client, c) -> None:
    tag, name, port = "dockyard/ex09-2-app:1", "dockyard-ex09-2-web", "8000/tcp"
    image = _image(c, client, tag)
    starts = _starts(read.config(image))
    c.check(f"{tag}'s command starts Gunicorn in exec form (a JSON list, no shell)", _runs_gunicorn(starts),
            found=json.dumps(starts) if image is not None else "no image",
            expected='["gunicorn", ...]')
    found = core.named_container(c, client, name, image=tag, status="running")
    masters, workers, rows = _gunicorn(found, workers=2)
    c.check(f"in {name}, one Gunicorn master runs at least 2 workers", masters == 1 and workers >= 2,
            found=f"{masters} master(s), {workers} worker(s)" if rows else "no processes",
            expected="1 master, 2 or more workers")
    users = sorted({row.get("UID", "?") for row in rows if _is_gunicorn(row.get("CMD", ""))})
    c.check(f"in {name}, Gunicorn runs as a user other than root (docker top)",
            users and not any(user in ("root", "0") for user in users),
            found=", ".join(users) if users else "no Gunicorn process", expected="a UID such as 10001")
    dev = [row["CMD"] for row in rows if "app.py" in row.get("CMD", "") or "flask run" in row.get("CMD", "")]
    c.check(f"no Flask development server runs in {name}", rows and not dev,
            found=dev[0][:60] if dev else "no processes", expected="no python app.py, no flask run")
    bindings = _bindings(found, port)
    c.check(f"{name} publishes {port} on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings), found=_where(bindings),
            expected="127.0.0.1")
    c.check("Docker picked the host port (none fixed in its configuration)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings), found=_where(bindings),
            expected="host port any")
    status, body = read.http_get(found, port)
    c.check(f"GET / on the published port answers 200 {GREETING}", status == 200 and body == GREETING,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {GREETING}")


@task("ex09-3", hints=[
    "Two ENV settings change how Python writes bytecode and output; a HEALTHCHECK makes the engine ask the "
    "app itself whether it serves, so it must ask /health and fail when that fails (the check tries it "
    "against a stand-in whose /health answers 503). An ENV in the image holds unless the container "
    "overrides it.",
    "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1, and HEALTHCHECK --start-interval=1s CMD [\"python\", "
    "\"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)\"]",
    "Build with docker build -f /tmp/dockyard-ex09/Dockerfile.3 -t dockyard/ex09-3-app:1 sample-app; run "
    "it with docker run -d --name dockyard-ex09-3-web dockyard/ex09-3-app:1, with no -e for those two "
    "variables, and wait until docker inspect --format '{{.State.Health.Status}}' dockyard-ex09-3-web says "
    "healthy.",
])
def health(client, c) -> None:
    tag, name = "dockyard/ex09-3-app:1", "dockyard-ex09-3-web"
    image = _image(c, client, tag)
    test = (read.config(image).get("Healthcheck") or {}).get("Test") or []
    c.check(f"{tag} has a HEALTHCHECK", test and test[0] != "NONE",
            found=" ".join(test) or ("no HEALTHCHECK" if image is not None else "no image"))
    config = read.config(image)
    code, said = (trial.health_where(client, tag, config, ["python", "-c", HEALTH_FAILS], ready=LISTENS)
                  if image is not None and trial.health_command(config) else (None, "no HEALTHCHECK"))
    c.check(f"{tag}'s HEALTHCHECK fails when the app's /health does (tried where a stand-in answers 503 "
            "there and 200 elsewhere)", code not in (None, 0),
            found=said if code is None else "exit code 0 there: it does not ask /health",
            expected="a non-zero exit code")
    env = _env(image)
    for variable, value in SETTINGS.items():
        c.equal(f"{tag}'s environment sets {variable}={value}", env.get(variable), value)
    found = core.named_container(c, client, name, image=tag, status="running")
    runs_with = _env(found)
    changed = sorted(f"{key}={runs_with.get(key, '(unset)')}" for key, value in SETTINGS.items()
                     if runs_with.get(key) != value)
    c.check(f"{name} runs with both settings (none overridden)", found is not None and not changed,
            found=", ".join(changed) if found is not None else "no container",
            expected=" and ".join(f"{k}={v}" for k, v in SETTINGS.items()))
    state = read.settled_health(found)
    c.check(f"{name} is healthy", state == "healthy", expected="healthy",
            found=state or ("no health status: no HEALTHCHECK" if found is not None else "no container"))
    changes = _bytecode(found)
    c.check(f"docker diff shows no bytecode written under /app in {name}", changes == [],
            found=", ".join(changes[:3]) if changes else "no running container")


@task("ex09-4", hints=[
    "A build argument or an ENV stays in the image's history or configuration, and a COPY stays in a layer. "
    "A BuildKit build secret is mounted for one RUN step only, which computes the digest itself (a digest "
    "typed in or copied in does not count); at run time the token arrives as a read-only file.",
    "After USER 10001:10001: RUN --mount=type=secret,id=token,required=true,uid=10001 sha256sum "
    "/run/secrets/token > /app/token.sha256; build with --secret id=token,src=/tmp/dockyard-ex09/token.txt",
    "docker build --secret id=token,src=/tmp/dockyard-ex09/token.txt -f /tmp/dockyard-ex09/Dockerfile.4 -t "
    "dockyard/ex09-4-app:1 sample-app, then docker run -d --name dockyard-ex09-4-web -v "
    "/tmp/dockyard-ex09/token.txt:/run/secrets/token:ro dockyard/ex09-4-app:1",
])
def secrets(client, c) -> None:
    tag, name = "dockyard/ex09-4-app:1", "dockyard-ex09-4-web"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    image = _image(c, client, tag)
    places, fingerprint, step = _saved(image) if image is not None else (["no image"], None, None)
    words = (fingerprint or "").split()
    c.check(f"{tag} holds {FINGERPRINT} with the token's SHA-256 digest", words[:1] == [digest],
            found=("no image" if image is None else f"no {FINGERPRINT} in any layer" if fingerprint is None
                   else (words[0][:16] + "...") if words else "an empty file"),
            expected=digest[:16] + "...")
    made = instruction(step or "")
    c.check(f"the layer holding {FINGERPRINT} comes from a RUN step that computed the digest (no COPY, no "
            "digest typed into the step)", words[:1] == [digest] and made.startswith("RUN")
            and digest not in made,
            found=("no image" if image is None else f"no {FINGERPRINT}" if fingerprint is None
                   else "an unknown step" if step is None else core.shorten(made, 60)))
    history = read.created_by(image)
    c.check(f"the token is in none of {tag}'s history entries", image is not None and
            not any(TOKEN in line for line in history),
            found="no image" if image is None else next((line[:70] for line in history if TOKEN in line), ""))
    config = read.config(image)
    holders = sorted(key for key, value in config.items() if TOKEN in json.dumps(value))
    c.check(f"the token is nowhere in {tag}'s configuration (Env, Labels, Cmd, ...)",
            image is not None and TOKEN not in json.dumps(image.attrs),
            found="no image" if image is None else ", ".join(holders) or "in its inspect output")
    c.check(f"the token is in no layer of {tag} (docker save)", image is not None and "a layer" not in places,
            found="no image" if image is None else "a layer holds it")
    found = core.named_container(c, client, name, image=tag, status="running")
    mount = next((m for m in (found.attrs.get("Mounts") or [] if found is not None else [])
                  if m.get("Destination") == TOKEN_TARGET), {})
    c.check(f"{name} has a read-only mount at {TOKEN_TARGET}", mount and mount.get("RW") is False,
            found="no container" if found is None else "read-write" if mount else "nothing mounted there",
            expected="read-only")
    uid = _not_root_inside(c, found, name)
    code, inside = _exec(found, ["cat", TOKEN_TARGET])
    c.check(f"inside {name}, the app's user reads the token from {TOKEN_TARGET}",
            uid is not None and code == 0 and inside == TOKEN,
            found=(inside if code is None else f"cat exit code {code}: {inside[:60]}" if code
                   else "another text" if inside != TOKEN else "it runs as root"))
    seen = {"Config": read.config(found), "Args": found.attrs.get("Args")} if found is not None else {}
    holders = sorted(key for key, value in seen.get("Config", {}).items() if TOKEN in json.dumps(value))
    c.check(f"the token is nowhere in {name}'s configuration (environment, command, labels)",
            found is not None and TOKEN not in json.dumps(seen),
            found="no container" if found is None else ", ".join(holders) or "Args")
