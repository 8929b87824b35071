"""Checks for the Why containers exercises (ex01)."""

from __future__ import annotations

from dockyard.checks import core, read, task

CHAPTER = "ex01"


@task("ex01-1", hints=[
    "A container that has exited still exists until you remove it: do not use --rm (remove=True).",
    "client.containers.run(image, command, name=..., labels=..., detach=True), then wait() for it.",
    "command=[\"python\", \"-c\", \"import sys; print(f'Hello from Python "
    "{sys.version_info[0]}.{sys.version_info[1]}')\"]; on the command line docker run --name NAME --label "
    "dockyard.chapter=ex01 IMAGE python -c PROGRAM, without --rm.",
])
def hello(client, c) -> None:
    name = "dockyard-ex01-1-hello"
    found = core.container(c, client, name, CHAPTER)
    c.equal("it runs the image python:3.13-slim", read.config(found).get("Image"), "python:3.13-slim")
    c.equal("it has exited", read.status(found), "exited")
    exit_code = (found.attrs["State"]["ExitCode"] if found is not None else None)
    c.equal("its exit code is 0", exit_code, 0)
    output = read.logs(found, tail=20)
    c.check("its output says Hello from Python 3.13", "Hello from Python 3.13" in output,
            found=output[-80:] or "no output", expected="Hello from Python 3.13")


@task("ex01-2", hints=[
    "Each container has its own hostname; Docker sets it from an option when the container is created.",
    "client.containers.run(..., detach=True, hostname=...) keeps it running in the background.",
    'command=["sleep", "infinity"] with init=True keeps it alive and lets it stop quickly; on the '
    "command line docker run -d --init --name NAME --hostname HOSTNAME --label dockyard.chapter=ex01 "
    "IMAGE sleep infinity.",
])
def box(client, c) -> None:
    name = "dockyard-ex01-2-box"
    found = core.container(c, client, name, CHAPTER)
    c.equal("it is running", read.status(found), "running")
    c.equal("its hostname is dockyard-box", read.config(found).get("Hostname"), "dockyard-box")
    code, seen = read.exec_output(found, ["cat", "/proc/sys/kernel/hostname"])
    c.equal("inside it, the kernel reports the hostname dockyard-box", seen if code is not None else None,
            "dockyard-box")


@task("ex01-3", hints=[
    "Pick two Python images whose versions treat the program differently (see the chapter).",
    "Run the same program in one container per image; keep both containers (no remove=True).",
    "One container's exit code is 1 (SyntaxError) and the other's is 0. On the command line, once per "
    "image: docker run --name NAME --label dockyard.chapter=ex01 IMAGE python -c PROGRAM.",
])
def pinned(client, c) -> None:
    runs = {role: read.container(client, f"dockyard-ex01-3-{role}") for role in ("old", "new")}
    for role, found in runs.items():
        name = f"dockyard-ex01-3-{role}"
        c.check(f"container {name} exists", found, found="no such container")
        core.labelled(c, found, name, CHAPTER)
    images = {role: read.config(found).get("Image") for role, found in runs.items()}
    differ = all(images.values()) and images["old"] != images["new"]
    c.check("the two containers use different images", differ, found=" and ".join(map(str, images.values())))
    same = _command(runs["old"]) == _command(runs["new"]) and _command(runs["old"])
    c.check("both run the same command", same, found=" / ".join(str(_command(f)) for f in runs.values()))
    codes = {role: read.exit_code(f) for role, f in runs.items()}
    c.equal("the old Python fails with exit code 1", codes["old"], 1)
    c.equal("the new Python succeeds with exit code 0", codes["new"], 0)


def _command(found) -> list[str] | None:
    return read.config(found).get("Cmd") if found is not None else None
