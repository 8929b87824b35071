"""Checks for the Dockerfile exercises (ex04).

Images are read from their configuration, history and layers (ex04-4 reads every layer, through the
archive `docker save` streams); a file of an image from a container created and never started. What
an image does shows only in a container, so the tasks ask the learner to keep the containers that ran
it; the checks read their logs, run the image once more with an input of their own where the output
could have been typed (ex04-1), and in ex04-4 look inside the learner's running container with `exec`
(commands that only read) and try the image's HEALTHCHECK in a throwaway container where the app does
not run.
"""

from __future__ import annotations

import json
import re
import secrets

from docker.errors import APIError

from dockyard.builds import instruction
from dockyard.checks import core, read, task
from dockyard.labels import LABEL
from dockyard.stores import unpacked_size

CHAPTER = "ex04"
BASE = "python:3.11-slim"
# What the setup cell of ex04-4 writes into .env: its value must reach no image.
SECRET = "ex04-fake-secret-do-not-ship"
GREETING = "Hello from the ex04 app!"
BUDGET_MB = 30
# Dockerfile instructions that store a layer (the others only change the configuration).
LAYERED = ("RUN", "COPY", "ADD", "WORKDIR")
PYTHONS = ("python", "python3", "python3.11")
# The words a Dockerfile line starts with: a history entry that starts otherwise is a container's command,
# recorded by `docker commit`.
INSTRUCTIONS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
                "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
# How long a trial run of the learner's image may take (printing a variable takes a second; a CMD that
# serves forever is a wrong answer, known after this long), and the HEALTHCHECK tried without the app.
TRIAL_SECONDS = 15


# Readers -------------------------------------------------------------------------------------

def _steps(image) -> list[str]:
    """The image's history as Dockerfile lines, oldest first ([] without the image)."""
    return [instruction(step) for step in reversed(read.created_by(image))]


def _own_steps(client, image) -> list[str]:
    """The lines the image adds on top of python:3.11-slim (all of them on another base)."""
    steps = _steps(image)
    base = read.image(client, BASE)
    if base is not None and _on_base(client, image):
        return steps[len(read.created_by(base)):]
    return steps


def _on_base(client, image) -> bool:
    base = read.layers(read.image(client, BASE))
    return bool(base) and read.layers(image)[:len(base)] == base


def _copied(step: str) -> list[str] | None:
    """The sources of a COPY line (`COPY --chown=1:1 a b ./` gives [a, b]), None for other lines."""
    words = step.split()
    if not words or words[0] != "COPY":
        return None
    words = [word for word in words[1:] if not word.startswith("--")]
    return [word.removeprefix("./") or "." for word in words[:-1]]


def _is_pip_install(step: str) -> bool:
    return step.startswith("RUN ") and "pip" in step and " install" in step and "requirements.txt" in step


def _short(steps: list[str]) -> str:
    return " | ".join(step if len(step) < 50 else step[:47] + "..." for step in steps) or "no steps"


def _command(container) -> str:
    """What a container was started with, as the check compares it."""
    if container is None:
        return "no container"
    config = read.config(container)
    return f"ENTRYPOINT {json.dumps(config.get('Entrypoint'))}, CMD {json.dumps(config.get('Cmd'))}"


def _env(resource) -> list[str]:
    return read.config(resource).get("Env") or []


def _line(step: str) -> str:
    """A history step as a Dockerfile line: the classic builder records a RUN that had build arguments
    as `|1 NAME=value /bin/sh -c ...`."""
    return "RUN " + step.split(" /bin/sh -c ", 1)[-1] if step.startswith("|") else step


def _committed(steps: list[str]) -> list[str]:
    """The steps that are no Dockerfile line: what `docker commit` records (the container's command)."""
    return [step for step in map(_line, steps) if step.strip() and step.split(" ", 1)[0] not in INSTRUCTIONS]


def _masked(steps: list[str]) -> list[str]:
    """Steps compared across builds: the classic builder records a COPY's content hash, which an edit
    of a copied file changes."""
    return [re.sub(r"\b(file|dir):[0-9a-f]+", r"\1:...", _line(step)) for step in steps]


# Shared conditions ---------------------------------------------------------------------------

def _image(c, client, tag, lines: tuple[str, ...] = ()):
    """The image, built on python:3.11-slim from a Dockerfile: its history holds Dockerfile lines only
    (`docker commit` records a container's command instead, and sets ENV, CMD and the like without a
    line of their own), among them a line for each of `lines`."""
    found = core.image(c, client, tag)
    base = read.image(client, BASE)
    where = ("no image" if found is None else f"{BASE} is not on this engine" if base is None
             else "another base image")
    c.check(f"{tag} is built on {BASE}", found is not None and _on_base(client, found), found=where)
    steps = _own_steps(client, found)
    committed = _committed(steps)
    missing = [word for word in lines if not any(_line(step).split(" ", 1)[0] == word for step in steps)]
    label = (f"{tag}'s history holds the Dockerfile lines {', '.join(lines)}, and no docker commit" if lines
             else f"{tag} was built from a Dockerfile, not with docker commit")
    c.check(label, found is not None and not committed and not missing,
            found=("no image" if found is None else f"a docker commit of: {core.shorten(committed[0], 50)}"
                   if committed else f"no {', no '.join(missing)} line in its history"))
    return found


# Tasks ---------------------------------------------------------------------------------------

@task("ex04-1", hints=[
    "ENV, LABEL, WORKDIR and CMD each set one field of the image's configuration; a container sees the "
    "image's ENV unless you give it another value when it starts. The check runs your image again with a "
    "GREETING of its own, so the CMD must read the variable, not print a word you typed. CMD in exec form "
    "(a JSON list) runs no shell, so a $GREETING in it stays as it is: let Python read the variable.",
    'In the Dockerfile: WORKDIR /app, ENV GREETING=hello, LABEL org.opencontainers.image.title=greeter, '
    'CMD ["python", "-c", "..."]; build it with docker build -t dockyard/ex04-1-greeter:1 - (the '
    "Dockerfile on standard input), not with docker commit.",
    "Python reads the variable with os.environ['GREETING']; run the container without a command, with "
    "environment={'GREETING': 'bonjour'}, and keep it after it exits (CLI: docker run --name NAME -e "
    "GREETING=bonjour IMAGE, without --rm). Run it after your last build: the check compares its image "
    "with the one the tag names now.",
])
def greeter(client, c) -> None:
    tag = "dockyard/ex04-1-greeter:1"
    image = _image(c, client, tag, lines=("WORKDIR", "ENV", "LABEL", "CMD"))
    config = read.config(image)
    c.equal(f"{tag}'s working folder is /app", config.get("WorkingDir"), "/app")
    c.check(f"{tag}'s environment sets GREETING=hello", "GREETING=hello" in _env(image),
            found=[e for e in _env(image) if e.startswith("GREETING=")] or "no GREETING",
            expected="GREETING=hello")
    title = (config.get("Labels") or {}).get("org.opencontainers.image.title")
    c.equal(f"{tag}'s label org.opencontainers.image.title is greeter", title, "greeter")
    cmd = config.get("Cmd")
    c.check(f"{tag}'s CMD is in exec form (a JSON list, no /bin/sh -c)",
            isinstance(cmd, list) and cmd and cmd[:2] != ["/bin/sh", "-c"],
            found=json.dumps(cmd) if cmd is not None else "no CMD", expected='["program", "argument", ...]')
    # What the CMD prints must come from GREETING: run the image again, with the default and another value.
    ended = _prints(c, client, image, f"a new container of {tag}, run with no command, prints hello", "hello")
    _prints(c, client, image, f"a new container of {tag}, run with another GREETING, prints that value",
            f"check-{secrets.token_hex(3)}", tried=ended)
    name = "dockyard-ex04-1-bonjour"
    run = core.named_container(c, client, name, image=tag)
    c.check(f"{name} runs the image's CMD (no command of its own)",
            run is not None and image is not None and read.config(run).get("Cmd") == cmd,
            found=json.dumps(read.config(run).get("Cmd")) if run is not None else "no container",
            expected=json.dumps(cmd) if image is not None else "the image's CMD")
    c.check(f"{name}'s environment sets GREETING=bonjour", "GREETING=bonjour" in _env(run),
            found=[e for e in _env(run) if e.startswith("GREETING=")] or "no GREETING",
            expected="GREETING=bonjour")
    core.exited_ok(c, run, name)
    core.printed(c, run, name, "bonjour")


def _prints(c, client, image, label: str, greeting: str, tried: bool = True) -> bool:
    """A trial run of the image, with no command, prints exactly `greeting`: with GREETING set to it, or,
    for hello, the image's default, with no GREETING of the check's. False when the trial did not end
    (then a later trial is not `tried`: a CMD that serves forever would only make the learner wait)."""
    if image is None or not tried:
        c.check(label, False, found="no image" if image is None else
                f"not tried: a container of the image did not end within {TRIAL_SECONDS} s")
        return False
    environment = {} if greeting == "hello" else {"GREETING": greeting}
    wanted, (code, out, err) = _once(
        ("prints", greeting == "hello"), image,
        lambda: (greeting, read.trial_run(client, image.id, environment=environment, timeout=TRIAL_SECONDS)),
        conclusive=lambda tried: tried[1][0] is not None or tried[1][2].startswith("still running"))
    found = (err or "it did not run") if code is None else core.shorten(out, 60) or f"no output ({err[-60:]})"
    c.check(label, code == 0 and out == wanted, found=found if code in (0, None) else
            f"exit code {code}, {found}", expected=wanted)
    return not err.startswith("still running") if code is None else True


# What a trial of an image found, by what was tried and the image's ID: an ID names the image's content,
# so a check run again after a fix of the container only does not run or save the image again. A trial
# that could not run (the engine was busy, say) is not kept.
_TRIED: dict[tuple, object] = {}


def _once(what, image, trial, conclusive=lambda found: True):
    key = (what, image.id)
    if key in _TRIED:
        return _TRIED[key]
    found = trial()
    if conclusive(found):
        _TRIED[key] = found
    return found


@task("ex04-2", hints=[
    "A container runs ENTRYPOINT followed by CMD. What you pass after the image name replaces CMD only, "
    "so put the program in ENTRYPOINT and its default arguments in CMD, both in exec form.",
    'ENTRYPOINT ["python", "-m", "calendar"] and CMD ["2000", "1"], built with docker build (not docker '
    "commit); docker run IMAGE runs both, docker run IMAGE 1969 7 keeps the entrypoint and replaces the "
    "CMD. Leave --entrypoint alone.",
    'client.containers.run(tag, name=..., detach=True) for the default; add command=["1969", "7"] for the '
    "other; wait() for each, and keep them both, run from your last build. On the command line: docker "
    "build -t IMAGE - <<'EOF' ... EOF, then docker run --name NAME IMAGE, with 1969 7 after IMAGE for the "
    "other.",
])
def calendar(client, c) -> None:
    tag = "dockyard/ex04-2-calendar:1"
    image = _image(c, client, tag, lines=("ENTRYPOINT", "CMD"))
    config = read.config(image)
    entrypoint = config.get("Entrypoint")
    c.check(f"{tag}'s ENTRYPOINT runs python -m calendar in exec form",
            isinstance(entrypoint, list) and len(entrypoint) == 3 and entrypoint[0].split("/")[-1] in PYTHONS
            and entrypoint[1:] == ["-m", "calendar"],
            found=json.dumps(entrypoint), expected='["python", "-m", "calendar"]')
    c.check(f"{tag}'s CMD is the default arguments 2000 1", config.get("Cmd") == ["2000", "1"],
            found=json.dumps(config.get("Cmd")) if config.get("Cmd") is not None else "no CMD",
            expected='["2000", "1"]')
    default = "dockyard-ex04-2-default"
    found = core.named_container(c, client, default, image=tag)
    given = read.config(found)
    c.check(f"{default} was given no command (it runs the image's ENTRYPOINT and CMD)",
            found is not None and image is not None and given.get("Cmd") == config.get("Cmd")
            and given.get("Entrypoint") == entrypoint,
            found=_command(found))
    core.exited_ok(c, found, default)
    # The calendar's output goes on with the month's days: only its first line is the task's.
    core.printed(c, found, default, "January 2000", first_line=True)
    july = "dockyard-ex04-2-july"
    found = core.named_container(c, client, july, image=tag)
    given = read.config(found)
    c.check(f"{july} keeps the image's ENTRYPOINT and was given the command 1969 7",
            found is not None and image is not None and given.get("Entrypoint") == entrypoint
            and given.get("Cmd") == ["1969", "7"],
            found=_command(found), expected=f"ENTRYPOINT {json.dumps(entrypoint)}, CMD [\"1969\", \"7\"]")
    core.exited_ok(c, found, july)
    core.printed(c, found, july, "July 1969", first_line=True)


@task("ex04-3", hints=[
    "A build reuses a step from its cache while that step and every step before it are unchanged. Copy "
    "the file that lists the dependencies alone, install, and copy the code last: then a code change "
    "reruns only the last COPY.",
    "FROM python:3.11-slim, WORKDIR /app, COPY requirements.txt ., RUN pip install --no-cache-dir -r "
    'requirements.txt, COPY . ., CMD ["python", "app.py"]; build /tmp/dockyard-ex04/app as :1.',
    "Then edit the file itself, not the Dockerfile: append a line to /tmp/dockyard-ex04/app/app.py (echo "
    "'# edited' >> ...) and build the same folder with the same Dockerfile again as "
    "dockyard/ex04-3-app:2, without --no-cache: the pip install step says CACHED. Each build: docker build "
    "-t dockyard/ex04-3-app:N /tmp/dockyard-ex04/app, with the Dockerfile in that folder.",
])
def cache_order(client, c) -> None:
    first, second = "dockyard/ex04-3-app:1", "dockyard/ex04-3-app:2"
    image = _image(c, client, first)
    steps = _own_steps(client, image)
    pip = next((i for i, step in enumerate(steps) if _is_pip_install(step)), None)
    copies = {i: _copied(step) for i, step in enumerate(steps) if _copied(step) is not None}
    before = [sources for i, sources in copies.items() if pip is not None and i < pip]
    after = [sources for i, sources in copies.items() if pip is not None and i > pip]
    history = _short(steps) if image is not None else "no image"
    c.check(f"{first}'s history has a RUN that pip installs -r requirements.txt", pip is not None,
            found=history)
    c.check("a COPY of requirements.txt alone comes before pip install", ["requirements.txt"] in before,
            found=history)
    c.check("no COPY before pip install brings in the code", pip is not None
            and all(sources == ["requirements.txt"] for sources in before), found=history)
    c.check("the app's code is copied after pip install",
            any("." in sources or "app.py" in sources for sources in after), found=history)
    c.check(f"{first}'s CMD runs python app.py in exec form",
            read.config(image).get("Cmd") in ([p, "app.py"] for p in PYTHONS),
            found=json.dumps(read.config(image).get("Cmd")) if image is not None else "no image",
            expected='["python", "app.py"]')
    edited = _image(c, client, second)
    both = image is not None and edited is not None
    theirs_steps = _own_steps(client, edited)
    c.check(f"{second} was built from the same Dockerfile as {first}",
            both and _masked(steps) == _masked(theirs_steps),
            found="one image is missing" if not both else _first_difference(steps, theirs_steps))
    code = {tag: read.image_file(client, found, "app.py")
            for tag, found in ((first, image), (second, edited))}
    c.check(f"{second}'s app.py differs from {first}'s (your edit of app.py)",
            both and None not in code.values() and code[first] != code[second],
            found=("one image is missing" if not both else
                   "no app.py in " + " and ".join(tag for tag, text in code.items() if text is None)
                   if None in code.values() else "the same app.py in both"))
    ours, theirs = read.layers(image), read.layers(edited)
    c.check(f"{second} has a layer that {first} lacks (your edit of app.py)",
            both and bool(set(theirs) - set(ours)),
            found=f"the same layers as {first}" if both else "one image is missing")
    upto = {tag: _through_pip(found) for tag, found in ((first, image), (second, edited))}
    shared = (None not in upto.values() and upto[first] == upto[second]
              and ours[:upto[first]] == theirs[:upto[first]])
    c.check(f"{second} reuses {first}'s layers up to and including pip install (the cache answered them)",
            shared, found=_reuse(ours, theirs, upto), expected="every layer up to pip install shared")


def _first_difference(ours: list[str], theirs: list[str]) -> str:
    """Where the second image's steps part from the first's, as a check reports it."""
    for mine, other in zip(_masked(ours), _masked(theirs), strict=False):
        if mine != other:
            return f"{core.shorten(other, 40)} where :1 has {core.shorten(mine, 40)}"
    if len(theirs) > len(ours):
        return f"an extra step: {core.shorten(_line(theirs[len(ours)]), 50)}"
    if len(theirs) < len(ours):
        return f"a step fewer: no {core.shorten(_line(ours[len(theirs)]), 50)}"
    return "the same steps"


def _through_pip(image) -> int | None:
    """How many of the image's layers lie at or below its pip install step (None without one).

    Counted from the top, where the learner's own steps are: each RUN, COPY, ADD and WORKDIR line
    above pip install stores one layer.
    """
    steps = _steps(image)
    pip = next((i for i in range(len(steps) - 1, -1, -1) if _is_pip_install(steps[i])), None)
    if pip is None:
        return None
    above = sum(1 for step in steps[pip + 1:] if step.split(" ")[0] in LAYERED)
    return len(read.layers(image)) - above


def _reuse(ours: list[str], theirs: list[str], upto: dict) -> str:
    if None in upto.values():
        return "no pip install step in " + " and ".join(tag for tag, n in upto.items() if n is None)
    pairs = zip(ours, theirs, strict=False)  # the shorter image ends the comparison
    common = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(ours), len(theirs)))
    return f"{common} layers shared, pip install at layer {max(upto.values())}"


@task("ex04-4", hints=[
    "Read the conditions one by one: most are one Dockerfile line (USER, EXPOSE, HEALTHCHECK, WORKDIR), "
    "the clutter and the size are the .dockerignore's job, and the rest is how you start the container. "
    "A file that reaches a layer stays in the image even if a later step deletes it, and the check reads "
    "every layer.",
    "RUN useradd --uid 10001 --no-create-home appuser, then USER 10001; EXPOSE 8080; a HEALTHCHECK whose "
    "command asks the app itself (a python -c that opens http://127.0.0.1:8080/health, with "
    "--start-interval=2s): the check tries it where the app is not running, and it must fail there; a "
    ".dockerignore with .env, .venv, **/__pycache__, **/*.pyc and tests, so that the secret never reaches "
    "the build.",
    "docker build -t dockyard/ex04-4-web:1 /tmp/dockyard-ex04/web (the Dockerfile and the .dockerignore in "
    "that folder), then docker run -d --init --name dockyard-ex04-4-web -p 127.0.0.1::8080 "
    "dockyard/ex04-4-web:1; the health turns healthy after the first check that passes.",
])
def web(client, c) -> None:
    tag = "dockyard/ex04-4-web:1"
    image = _image(c, client, tag)
    config = read.config(image)
    c.equal(f"{tag}'s working folder is /app", config.get("WorkingDir"), "/app")
    user = config.get("User")
    c.check(f"{tag} runs as a user other than root", image is not None and not read.is_root(user),
            found="no image" if image is None else user or "root (no USER)",
            expected="a non-root user, such as 10001")
    exposed = sorted(config.get("ExposedPorts") or {})
    c.check(f"{tag} exposes 8080/tcp", "8080/tcp" in exposed, found=exposed or "no port")
    test = (config.get("Healthcheck") or {}).get("Test") or []
    c.check(f"{tag} has a HEALTHCHECK", test and test[0] != "NONE", found=test or "none")
    code, why = _health_without_app(client, image, test)
    c.check(f"{tag}'s HEALTHCHECK fails where the app is not running (it asks the app)",
            code not in (None, 0), found=why if code is None else "it passed all the same",
            expected="a failing health check")
    base = read.image(client, BASE)
    added = unpacked_size(image) - unpacked_size(base) if image is not None and base is not None else None
    c.check(f"{tag} adds at most {BUDGET_MB} MB to {BASE}", added is not None and added <= BUDGET_MB * 1e6,
            found=f"{added / 1e6:.1f} MB" if added is not None else "no image to weigh")
    places = _secret_in(image)
    c.check(f"the secret from .env is in none of {tag}'s layers, nor in its configuration or history",
            image is not None and not places,
            found="no image" if image is None else ", ".join(places), expected="nowhere")
    name = "dockyard-ex04-4-web"
    run = core.named_container(c, client, name, image=tag)
    c.equal(f"{name} is running", read.status(run), "running")
    bindings = read.port_bindings(run, "8080/tcp")
    c.check(f"{name} publishes 8080/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=", ".join(f"{b.get('HostIp') or 'all interfaces'}" for b in bindings) or "not published",
            expected="127.0.0.1")
    health = read.settled_health(run)
    c.check(f"{name} is healthy", health == "healthy", expected="healthy",
            found=health or ("no health status: no HEALTHCHECK" if run is not None else "no container"))
    code, status = read.exec_output(run, ["cat", "/proc/1/status"])
    uids = [line.split()[2] for line in status.splitlines() if line.startswith("Uid:")] if code == 0 else []
    uid = uids[0] if uids else None  # the effective uid: Uid: real effective saved filesystem
    c.check(f"inside {name}, the app's process runs as a non-root user", uid not in (None, "0"),
            found=f"uid {uid}" if uid is not None else status)
    _clean_app_folder(c, run, name)
    status_code, body = read.http_get(run, "8080/tcp", loopback_only=True)
    c.check(f"GET / on the published port answers 200 {GREETING}", status_code == 200 and body == GREETING,
            found=f"{status_code} {body[:60]}" if status_code is not None else body,
            expected=f"200 {GREETING}")


def _health_without_app(client, image, test: list[str]) -> tuple[int | None, str]:
    """(exit code, why not) of the image's HEALTHCHECK command run in a throwaway container of the image
    where the app never starts (it sleeps), as the image's user, with no network: a check that asks the
    app fails there; `CMD true` passes. (None, why) when there is nothing to try."""
    if image is None:
        return None, "no image"
    if not test or test[0] == "NONE":
        return None, "no HEALTHCHECK to try"
    return _once("health", image, lambda: _try_health(client, image, test),
                 conclusive=lambda found: found[0] is not None)


def _try_health(client, image, test: list[str]) -> tuple[int | None, str]:
    command = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", " ".join(test[1:])]
    try:
        trial = client.containers.run(image.id, ["infinity"], entrypoint=["sleep"], detach=True,
                                      network_disabled=True, labels={LABEL: read.CHECKER})
    except APIError as error:
        return None, f"no container of the image would start ({core.shorten(error.explanation or '', 50)})"
    try:
        ran = trial.exec_run(["timeout", str(TRIAL_SECONDS), *command])
        return ran.exit_code, ""
    except APIError as error:
        return None, core.shorten(error.explanation or str(error), 60)
    finally:
        trial.remove(force=True)


def _secret_in(image) -> list[str]:
    """Where the secret's value occurs in the image's `docker save` archive: "layer N" for a layer (1 the
    lowest), or "the configuration" (which holds the history too); [] without the image."""
    return [] if image is None else _once("secret", image, lambda: _scan(image))


def _scan(image) -> list[str]:
    places, manifest = [], {}
    for name, data in read.saved_files(image):
        if name == "manifest.json":
            manifest = json.loads(data)[0]
        elif SECRET.encode() in data:
            places.append(name)
    layers = manifest.get("Layers") or []
    kinds = {manifest.get("Config"): "the configuration",
             **{layer: f"layer {number}" for number, layer in enumerate(layers, 1)}}
    return sorted({kinds.get(place, place) for place in places})


def _clean_app_folder(c, run, name) -> None:
    clutter = ["(", "-name", ".env", "-o", "-name", ".venv", "-o", "-name", "__pycache__", ")"]
    code, out = read.exec_output(run, ["find", "/app", *clutter, "-prune", "-print"])
    found = out if code is None else ("no /app folder" if code else out.replace("\n", ", ") or "none")
    c.check(f"inside {name}, /app holds no .env, .venv or __pycache__", code == 0 and not out, found=found)
