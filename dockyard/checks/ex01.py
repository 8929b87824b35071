"""Checks for the Why containers exercises (ex01)."""

from __future__ import annotations

import re

from dockyard.checks import core, proof, read, task

HELLO = "dockyard-ex01-1-hello"
GREETING = "Hello from Python {}"
# The image ex01-1's command runs on again, to see the version printed is read from the interpreter.
OTHER_PYTHON, OTHER_VERSION = "python:3.11-slim", "3.11"
# The last line Python prints when a program fails: the exception ("SyntaxError: ...").
RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


@task("ex01-1", hints=[
    "A container that has exited still exists until you remove it: do not use --rm (remove=True). The "
    "version in the greeting comes from the interpreter that runs it: the check runs your command again on "
    "python:3.11-slim and expects Hello from Python 3.11 there.",
    "client.containers.run('python:3.13-slim', ['python', '-c', PROGRAM], name=..., detach=True), then "
    "wait() for it; PROGRAM prints with print(), on standard output, and reads sys.version_info.",
    "PROGRAM = \"import sys; print(f'Hello from Python {sys.version_info[0]}.{sys.version_info[1]}')\"; on "
    "the command line docker run --name dockyard-ex01-1-hello python:3.13-slim python -c PROGRAM, "
    "without --rm.",
])
def hello(client, c) -> None:
    found = proof.container(c, client, HELLO, image="python:3.13-slim")
    core.exited_ok(c, found, HELLO)
    core.printed(c, found, HELLO, GREETING.format("3.13"))
    code, again = proof.rerun(client, found, OTHER_PYTHON) if found is not None else (None, "no container")
    expected = GREETING.format(OTHER_VERSION)
    c.check(f"its command, run again on {OTHER_PYTHON}, prints {expected} (the version is read, not typed)",
            code == 0 and again == expected,
            found=(f"{core.shorten(again, 50) or 'no output'}" + (f", exit code {code}" if code else "")
                   if code is not None else again), expected=expected)


@task("ex01-2", hints=[
    "Each container has its own hostname; Docker sets it from an option when the container is created. "
    "PID 1 of a container ignores SIGTERM unless it handles it, so docker stop waits 10 s, then kills.",
    "client.containers.run('debian:bookworm-slim', ..., detach=True, hostname=...) keeps it running in the "
    "background; init=True puts an init process in front of the command, as PID 1, which ends on SIGTERM.",
    'command=["sleep", "infinity"], hostname="dockyard-box" and init=True; on the command line docker run '
    "-d --init --name dockyard-ex01-2-box --hostname dockyard-box debian:bookworm-slim sleep infinity.",
])
def box(client, c) -> None:
    name = "dockyard-ex01-2-box"
    found = proof.container(c, client, name, image="debian:bookworm-slim", status="running")
    c.equal("its hostname is dockyard-box", read.config(found).get("Hostname"), "dockyard-box")
    code, seen = read.exec_output(found, ["cat", "/proc/sys/kernel/hostname"])
    c.equal("inside it, the kernel reports the hostname dockyard-box", seen if code is not None else None,
            "dockyard-box")
    proof.stops_on_sigterm(c, found, name, "so that docker stop is prompt")


@task("ex01-3", hints=[
    "Pick two Python images whose versions treat the same one-line Python program differently (see the "
    "chapter); the older Python is the one where it fails, with an error Python prints.",
    "Run the program with python -c in one container per image, the same command in both, and keep both "
    "containers (no remove=True); wait() gives each exit code.",
    "The nested quotes of 'user = {\"name\": \"Ada\"}; print(f\"Hello {user[\"name\"]}\")' are a SyntaxError "
    "before Python 3.12. On the command line, once per image: docker run --name dockyard-ex01-3-old "
    "python:3.11-slim python -c PROGRAM, and dockyard-ex01-3-new on python:3.13-slim.",
])
def pinned(client, c) -> None:
    runs = {role: read.container(client, f"dockyard-ex01-3-{role}") for role in ("old", "new")}
    for role, found in runs.items():
        c.check(f"container dockyard-ex01-3-{role} exists", found, found="no such container")
    ids = {role: found.attrs.get("Image") if found is not None else None for role, found in runs.items()}
    names = " and ".join(str(read.config(found).get("Image")) for found in runs.values())
    c.check("the two containers use different images", all(ids.values()) and ids["old"] != ids["new"],
            found=names)
    commands = {role: _command(found) for role, found in runs.items()}
    c.check("both run the same command", commands["old"] and commands["old"] == commands["new"],
            found=" / ".join(" ".join(command or ["none"]) for command in commands.values()))
    program = commands["new"] or commands["old"] or []
    c.check("the command is a Python program (python -c PROGRAM)",
            bool(program) and re.fullmatch(r"python[\d.]*", program[0].rsplit("/", 1)[-1]) is not None,
            found=core.shorten(" ".join(program), 50) or "no command", expected="python ...")
    versions = {role: proof.python_version(client, image) for role, image in ids.items()}
    c.check("dockyard-ex01-3-old runs an older Python than dockyard-ex01-3-new",
            all(versions.values()) and _version(versions["old"]) < _version(versions["new"]),
            found=" and ".join(f"{role} {versions[role] or 'no Python'}" for role in versions),
            expected="old < new")
    codes = {role: read.exit_code(f) for role, f in runs.items()}
    c.equal("the old Python fails with exit code 1", codes["old"], 1)
    c.equal("the new Python succeeds with exit code 0", codes["new"], 0)
    last = (read.logs(runs["old"]).splitlines() or [""])[-1].strip()
    c.check("the old Python's output ends with the error it raised (SyntaxError: ...)",
            RAISED.match(last) is not None, found=core.shorten(last, 60) or "no output",
            expected="an exception line, such as SyntaxError: ...")


def _command(found) -> list[str] | None:
    """The whole command a container ran: its entrypoint, then its arguments."""
    if found is None:
        return None
    config = read.config(found)
    return (config.get("Entrypoint") or []) + (config.get("Cmd") or []) or None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))
