"""Conditions that prove a skill where reading a setting would not: what a learner could type passes none.

- the image a container runs, compared by ID with the build its tag names now (not the name typed);
- an image's own build steps, read from its history: built from a Dockerfile, not made by `docker
  commit`, and not another image renamed;
- what PID 1 inside a running container does with SIGTERM, read from /proc/1/status there;
- a learner's command run again on another image, to see that its output is produced, not typed.

A task's answer is typed as at work, without the course's label: its resources are known by their names.
Everything here reads the engine, except `rerun` and `python_version`, which run a throwaway container:
no network, labelled as the checker's (like read.volume_files), removed at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import docker

from dockyard.checks import read
from dockyard.checks.core import Conditions, shorten

SIGTERM = 15
# Init processes that pass SIGTERM on to their child: Docker's own (--init) and the usual ones an image
# starts itself (ENTRYPOINT ["tini", "--"]). /proc/PID/status shows a name cut to 15 characters.
INITS = {"docker-init", "tini", "tini-static", "dumb-init", "catatonit"}  # catatonit: Podman's --init
# The instructions a build records in an image's history. BuildKit writes "COPY . . # buildkit",
# "RUN /bin/sh -c pip install ... # buildkit", "CMD [...]"; the classic builder "/bin/sh -c #(nop)  CMD
# [...]", "/bin/sh -c pip install ...", and "|1 NAME=value /bin/sh -c ..." for a RUN under an ARG.
# `docker commit` records the container's command instead ("python app.py", "sleep infinity").
INSTRUCTIONS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL",
                "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
SHELL_RUN = "/bin/sh -c "
# How long a throwaway run of a learner's command may take before the check gives up on it.
RERUN_WAIT = 60
VERSION_PROGRAM = "import sys; print('%d.%d' % sys.version_info[:2])"


# A container and the image it runs ---------------------------------------------------------------

def short(image_id: str | None) -> str:
    return (image_id or "").removeprefix("sha256:")[:12] or "none"


def container(c: Conditions, client: docker.DockerClient, name: str, image: str | None = None,
              status: str | None = None):
    """The container `name`, which must exist and, when given, run the image `image` and be in `status`;
    None without it. No label is asked for: an answer typed as at work carries none."""
    found = read.container(client, name)
    c.check(f"container {name} exists", found, found="no such container")
    if image:
        runs_image(c, client, found, name, image)
    if status:
        state = "has exited" if status == "exited" else f"is {status}"
        c.equal(f"{name} {state}", read.status(found), status)
    return found


def runs_image(c: Conditions, client: docker.DockerClient, found, name: str, tag: str) -> bool:
    """`found` runs the build `tag` names now, by image ID: the name it was given (`dockyard/app`,
    `dockyard/app:1`, an ID) does not matter, and a container of an earlier build of that tag fails."""
    wanted = read.image(client, tag)
    used = found.attrs.get("Image") if found is not None else None
    typed = read.config(found).get("Image")
    if found is None:
        seen = "no container"
    elif wanted is None:
        seen = f"no image {tag}"
    elif typed == tag:
        seen = f"an earlier build of {tag} ({short(used)}; the tag names {short(wanted.id)} now)"
    else:
        seen = f"{typed} ({short(used)})"
    same = found is not None and wanted is not None and used == wanted.id
    return c.check(f"{name} runs the image {tag}", same, found=seen, expected=tag)


def own_command(c: Conditions, client: docker.DockerClient, found, name: str) -> bool:
    """`found` runs its image's own command: none was given when it was created."""
    image = read.image(client, found.attrs.get("Image")) if found is not None else None
    given, config = read.config(found), read.config(image)
    same = (found is not None and image is not None and given.get("Cmd") == config.get("Cmd")
            and given.get("Entrypoint") == config.get("Entrypoint"))
    typed = " ".join((given.get("Entrypoint") or []) + (given.get("Cmd") or []))
    return c.check(f"{name} runs the image's own command (none given when it was run)", same,
                   found=typed if found is not None else "no container",
                   expected=" ".join((config.get("Entrypoint") or []) + (config.get("Cmd") or [])) or None)


# An image's build steps --------------------------------------------------------------------------

def instruction(created_by: str) -> tuple[str, str] | None:
    """(INSTRUCTION, its arguments) of one history entry a build made; None for one no build makes (a
    `docker commit`, an imported root file system)."""
    text = created_by.strip().removesuffix("# buildkit").strip()
    text = re.sub(r"^\|\d+ (?:\S+=\S* )*", "", text)  # the classic builder's RUN under ARGs
    if text.startswith(SHELL_RUN + "#(nop)"):
        text = text[len(SHELL_RUN + "#(nop)"):].strip()
    elif text.startswith(SHELL_RUN):
        return "RUN", text[len(SHELL_RUN):].strip()
    word, _, rest = text.partition(" ")
    if word not in INSTRUCTIONS:
        return None
    rest = rest.strip()
    return word, rest[len(SHELL_RUN):].strip() if word == "RUN" and rest.startswith(SHELL_RUN) else rest


def built_on(image, base) -> bool:
    """Whether `image`'s layers begin with `base`'s (it was built FROM it, or is it)."""
    layers, base_layers = read.layers(image), read.layers(base)
    return image is not None and bool(base_layers) and layers[:len(base_layers)] == base_layers


def own_steps(image, base) -> list[str] | None:
    """The history entries `image` adds to `base`, oldest first, as they were recorded; None unless it
    was built on `base` (its layers and its oldest history are base's)."""
    if not built_on(image, base):
        return None
    mine, theirs = read.created_by(image), read.created_by(base)
    if len(mine) < len(theirs) or mine[len(mine) - len(theirs):] != theirs:
        return None
    return list(reversed(mine[:len(mine) - len(theirs)]))


def describe_steps(steps: list[str]) -> str:
    """Steps as a check reports them: each instruction's name, or what made a step no build makes."""
    named = []
    for step in steps:
        found = instruction(step)
        named.append(found[0] if found else f"not a build step: {shorten(step, 40)}")
    return ", ".join(named) or "no step of its own"


def not_built(steps: list[str]) -> list[str]:
    """The steps no Dockerfile instruction made (`docker commit` records the container's command)."""
    return [step for step in steps if instruction(step) is None]


def dockerfile_steps(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each line of a Dockerfile after its FROM, continuation lines joined."""
    steps, pending = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        pending += stripped.removesuffix("\\").strip() + " " if stripped.endswith("\\") else stripped
        if stripped.endswith("\\"):
            continue
        word, _, rest = pending.partition(" ")
        pending = ""
        if word.upper() != "FROM":
            steps.append((word.upper(), rest.strip()))
    return steps


def same_steps(steps: list[str] | None, wanted: list[tuple[str, str]]) -> bool:
    """Whether recorded steps are those of a Dockerfile, in order: the same instructions, and each RUN the
    same command (COPY, EXPOSE and CMD are recorded in another form than they are written)."""
    if steps is None or len(steps) != len(wanted):
        return False
    for step, (word, rest) in zip(steps, wanted, strict=True):
        found = instruction(step)
        if found is None or found[0] != word or (word == "RUN" and found[1] != rest):
            return False
    return True


# PID 1 and SIGTERM -------------------------------------------------------------------------------

def pid1(found) -> dict[str, str] | None:
    """The fields of /proc/1/status inside a running container (Name, SigCgt, ...), or None."""
    code, text = read.exec_output(found, ["cat", "/proc/1/status"])
    if code != 0:
        return None
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def ends_on_sigterm(status: dict[str, str] | None) -> bool:
    """Whether that PID 1 ends on SIGTERM: an init process, which passes it on to its child, or a
    program with a handler for it (its bit in SigCgt). PID 1 without one ignores the signal."""
    if not status:
        return False
    if status.get("Name", "").strip() in INITS:
        return True
    caught = int(status.get("SigCgt", "0").strip() or "0", 16)
    return bool(caught >> (SIGTERM - 1) & 1)


def stops_on_sigterm(c: Conditions, found, name: str, how: str) -> bool:
    """PID 1 in the running container `found` ends on SIGTERM; `how` says what the task asks for."""
    status = pid1(found)
    if found is None:
        seen = "no container"
    elif status is None:
        seen = "no running container" if read.status(found) != "running" else "/proc/1/status unreadable"
    else:
        seen = f"PID 1 is {status.get('Name', '?').strip()}, which ignores SIGTERM"
    return c.check(f"PID 1 in {name} ends on SIGTERM ({how})", ends_on_sigterm(status), found=seen,
                   expected="an init process, or a handler for SIGTERM")


def stop_signal(found) -> str:
    """The signal `docker stop` sends to a container or an image's containers (SIGTERM unless set)."""
    return read.config(found).get("StopSignal") or "SIGTERM"


# Running a learner's command again ----------------------------------------------------------------

def rerun(client: docker.DockerClient, found, image: str) -> tuple[int | None, str]:
    """(exit code, standard output) of the command `found` ran, run again on `image`: the same command and
    entrypoint if it gave one, none of its environment; (None, why not) when it cannot run."""
    if found is None:
        return None, "no container"
    config = read.config(found)
    own = read.config(read.image(client, found.attrs.get("Image")))
    entrypoint = config.get("Entrypoint") if config.get("Entrypoint") != own.get("Entrypoint") else None
    code, out, err = read.trial_run(client, image, config.get("Cmd"), timeout=RERUN_WAIT,
                                    entrypoint=entrypoint)
    return (code, out) if code is not None else (None, err)


def python_version(client: docker.DockerClient, image_id: str | None) -> str | None:
    """The major.minor version of the Python in an image ("3.11"), or None when it has none."""
    if not image_id:
        return None
    code, out, _ = read.trial_run(client, image_id, timeout=RERUN_WAIT,
                                 entrypoint=["python3", "-c", VERSION_PROGRAM])
    return out if code == 0 and re.fullmatch(r"\d+\.\d+", out) else None
