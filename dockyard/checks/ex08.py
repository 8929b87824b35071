"""Checks for the Multi-stage builds exercises (ex08).

Images are read from their configuration, history, layers and size. Whether a compiler is inside an
image shows only in a container: ex08-1 and ex08-2 read the learner's own probe containers (their
command, exit code and output), and ex08-4 runs commands that only read inside the learner's running
container (`command -v gcc`, psycopg's implementation) and sends a GET to its published port. ex08-3
lists the files of the layers an image adds to its base, from the archive `docker save` streams
(`image.save()`), which changes nothing.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import PurePosixPath

from dockyard.builds import instruction
from dockyard.checks import core, read, task

CHAPTER = "ex08"
SLIM = "python:3.11-slim"
FULL = "python:3.11"
HELLO = "Hello from C"
GREETING = "Hello from Docker!"
BUDGET_MB = 200
# A step that installs one of these brings a compiler into the image.
COMPILERS = re.compile(r"(?<![\w.-])(build-essential|gcc|g\+\+|clang)(?![\w.+-])")
# What `pip wheel` names greet's wheel, and the file its compiled module installs as.
GREET_WHEEL = re.compile(r"greet-1\.0-\S+\.whl")
GREET_MODULE = re.compile(r"greet\..*\.so")


# Readers ---------------------------------------------------------------------------------------

def _on(client, image, base: str) -> bool:
    """Whether the image starts with every layer of `base` (it was built FROM it)."""
    layers = read.layers(read.image(client, base))
    return image is not None and bool(layers) and read.layers(image)[:len(layers)] == layers


def _own_steps(client, image) -> list[str]:
    """The Dockerfile lines the image adds to python:3.11-slim, oldest first (every line on another base)."""
    steps = [instruction(step) for step in reversed(read.created_by(image))]
    if _on(client, image, SLIM):
        return steps[len(read.created_by(read.image(client, SLIM))):]
    return steps


def _mb(image) -> str:
    return f"{image.attrs['Size'] / 1e6:.0f} MB"


def _command(found) -> str:
    """A container's command as one line of text ("" without it)."""
    config = read.config(found)
    return " ".join((config.get("Entrypoint") or []) + (config.get("Cmd") or []))


def _added_files(image, base_layers: int) -> list[str]:
    """Every file the image's layers above its first `base_layers` add, as /paths (deletions left out).

    `docker save` streams the image as an archive: its configuration, one file per layer (itself a tar,
    gzip-compressed with the containerd image store), and a manifest that says which file is which
    layer. Each layer's file names are listed as it passes; the manifest then picks the image's own.
    """
    names, manifest = {}, {}
    for name, data in read.saved_files(image):
        if name == "manifest.json":
            manifest = json.loads(data)[0]
        elif data[257:262] == b"ustar":  # a tar archive: a layer
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                names[name] = ["/" + entry.name.removeprefix("./") for entry in layer
                                      if not entry.isdir() and not _whiteout(entry.name)]
    own = (manifest.get("Layers") or [])[base_layers:]
    return [path for layer in own for path in names.get(layer, [])]


def _whiteout(path: str) -> bool:
    """A layer's marker that a file of a lower layer is deleted (.wh.NAME), not a file of its own."""
    return PurePosixPath(path).name.startswith(".wh.")


# Shared conditions -----------------------------------------------------------------------------

def _image(c, client, tag: str, base: str):
    found = core.image(c, client, tag, CHAPTER)
    where = ("no image" if found is None else f"{base} is not on this engine"
             if read.image(client, base) is None else "another base image")
    c.check(f"{tag} is built on {base}", _on(client, found, base), found=where)
    return found


def _no_compiler_step(c, client, image, tag: str) -> None:
    steps = _own_steps(client, image)
    # Any step but a LABEL counts: a RUN, and a RUN the classic builder recorded with its build arguments.
    installs = [step for step in steps if not step.startswith("LABEL") and COMPILERS.search(step)]
    c.check(f"none of {tag}'s own steps installs a compiler (gcc, build-essential)",
            image is not None and not installs,
            found="no image" if image is None else core.shorten(installs[0]) if installs else "")


# Tasks -----------------------------------------------------------------------------------------

@task("ex08-1", hints=[
    "Two FROM lines make two stages. Compile where the compiler is, in a first stage on python:3.11 named "
    "builder, and let the final stage on python:3.11-slim take only the wheel: nothing else of the builder "
    "comes along unless a COPY --from fetches it.",
    "Builder: FROM python:3.11 AS builder, WORKDIR /src, COPY . ., RUN pip wheel --no-cache-dir --wheel-dir "
    "/wheels . Final: FROM python:3.11-slim, COPY --from=builder /wheels /wheels, RUN pip install "
    "--no-cache-dir --no-index /wheels/*, and a CMD.",
    'CMD ["python", "-c", "import greet; print(greet.hello())"]; build with docker build --label '
    "dockyard.chapter=ex08 -t dockyard/ex08-1-app:1 -f /tmp/dockyard-ex08/Dockerfile.1 "
    "/tmp/dockyard-ex08/greet, then run the two containers without --rm so that they stay: docker run "
    "--name NAME --label dockyard.chapter=ex08 IMAGE [COMMAND].",
])
def two_stages(client, c) -> None:
    tag = "dockyard/ex08-1-app:1"
    image = _image(c, client, tag, SLIM)
    _no_compiler_step(c, client, image, tag)
    hello = "dockyard-ex08-1-hello"
    found = core.container(c, client, hello, CHAPTER, image=tag)
    cmd = read.config(image).get("Cmd")
    c.check(f"{hello} was given no command (it runs the image's CMD)",
            found is not None and image is not None and bool(cmd) and read.config(found).get("Cmd") == cmd,
            found=json.dumps(read.config(found).get("Cmd")) if found is not None else "no container",
            expected=json.dumps(cmd) if image is not None else "the image's CMD")
    core.exited_ok(c, found, hello)
    core.printed(c, found, hello, HELLO)
    probe = "dockyard-ex08-1-probe"
    found = core.container(c, client, probe, CHAPTER, image=tag)
    c.check(f"{probe}'s command looks for gcc (command -v gcc)", "command -v gcc" in _command(found),
            found=core.shorten(_command(found), 60) if found is not None else "no container",
            expected="sh -c 'command -v gcc || echo no compiler'")
    core.exited_ok(c, found, probe)
    core.printed(c, found, probe, "no compiler")


@task("ex08-2", hints=[
    "docker build --target NAME stops after the stage called NAME: the image it tags is that stage, with "
    "everything the stage installed and made.",
    "Build the same Dockerfile and context as in ex08-1 with --target builder -t dockyard/ex08-2-builder:1; "
    "BuildKit answers every step from its cache.",
    "docker build --label dockyard.chapter=ex08 --target builder -t dockyard/ex08-2-builder:1 -f "
    "/tmp/dockyard-ex08/Dockerfile.1 /tmp/dockyard-ex08/greet; then docker run --name "
    "dockyard-ex08-2-probe --label dockyard.chapter=ex08 dockyard/ex08-2-builder:1 sh -c 'command -v gcc "
    "&& ls /wheels', without --rm; docker image ls dockyard/ex08-1-app:1 dockyard/ex08-2-builder:1 "
    "compares the sizes.",
])
def target(client, c) -> None:
    tag = "dockyard/ex08-2-builder:1"
    image = _image(c, client, tag, FULL)
    steps = [instruction(step) for step in read.created_by(image)]
    wheel = [step for step in steps if step.startswith("RUN") and "pip wheel" in step]
    c.check(f"{tag}'s history holds the builder's pip wheel step", wheel,
            found="no image" if image is None else "no RUN with pip wheel")
    probe = "dockyard-ex08-2-probe"
    found = core.container(c, client, probe, CHAPTER, image=tag)
    core.exited_ok(c, found, probe)
    lines = [line.strip() for line in read.logs(found, stderr=False).splitlines() if line.strip()]
    c.check(f"{probe} printed the path of gcc first", lines and PurePosixPath(lines[0]).name == "gcc"
            and lines[0].startswith("/"), found=core.shorten(lines[0], 60) if lines else "no output",
            expected="/usr/bin/gcc")
    c.check(f"{probe} then listed greet's wheel from /wheels",
            any(GREET_WHEEL.fullmatch(line) for line in lines[1:]),
            found=core.shorten(", ".join(lines[1:]), 60) or "nothing more", expected="greet-1.0-...whl")
    final = read.image(client, "dockyard/ex08-1-app:1")
    c.check(f"dockyard/ex08-1-app:1 (task ex08-1) is at most half the size of {tag}",
            final is not None and image is not None and final.attrs["Size"] <= image.attrs["Size"] / 2,
            found=f"{_mb(final)} against {_mb(image)}" if final is not None and image is not None
            else "no image dockyard/ex08-1-app:1" if final is None else "no builder image")


@task("ex08-3", hints=[
    "A file a layer adds stays in that layer: removing it in a later step only hides it. So the wheel must "
    "never be copied into the final stage; lend it to the one step that installs it instead.",
    "RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels mounts the builder's /wheels for that "
    "step only; nothing of the mount ends up in the layer. (Installing into a virtual environment in the "
    "builder and copying the environment works too.)",
    "Final stage: FROM python:3.11-slim, then RUN "
    "--mount=type=bind,from=builder,source=/wheels,target=/wheels pip install --no-cache-dir --no-index "
    "/wheels/*, and no COPY of /wheels; write it to /tmp/dockyard-ex08/Dockerfile.3 and build it with "
    "docker build --label dockyard.chapter=ex08 -t dockyard/ex08-3-app:1 -f "
    "/tmp/dockyard-ex08/Dockerfile.3 /tmp/dockyard-ex08/greet.",
])
def no_wheels(client, c) -> None:
    tag = "dockyard/ex08-3-app:1"
    image = _image(c, client, tag, SLIM)
    _no_compiler_step(c, client, image, tag)
    on_slim = _on(client, image, SLIM)
    files = _added_files(image, len(read.layers(read.image(client, SLIM)))) if on_slim else None
    why = "no image" if image is None else f"not built on {SLIM}"
    modules = [path for path in files or [] if GREET_MODULE.fullmatch(PurePosixPath(path).name)]
    c.check(f"a layer {tag} adds to {SLIM} holds greet's compiled module (greet.*.so)", modules,
            found=why if files is None else "no greet.*.so")
    wheels = [path for path in files or [] if path.endswith(".whl")]
    c.check(f"no layer {tag} adds to {SLIM} holds a wheel (.whl)", files is not None and not wheels,
            found=why if files is None else core.shorten(", ".join(wheels), 60))


@task("ex08-4", hints=[
    "Take the conditions one at a time: the compiler lives in a builder stage on python:3.11 that makes "
    "wheels of requirements-c.txt; the final stage on python:3.11-slim needs libpq's run-time library "
    "(libpq5), an unprivileged USER, and nothing else it does not run.",
    "Builder: COPY requirements-c.txt ., RUN pip wheel --no-cache-dir --wheel-dir /wheels -r "
    "requirements-c.txt. Final: RUN apt-get update && apt-get install -y --no-install-recommends libpq5 "
    "&& rm -rf /var/lib/apt/lists/*; RUN useradd --uid 10001 --no-create-home appuser; install the wheels "
    "with pip install --no-index; COPY . .; USER 10001.",
    "docker build --label dockyard.chapter=ex08 -t dockyard/ex08-4-app:1 -f /tmp/dockyard-ex08/Dockerfile.4 "
    "sample-app, then docker run -d --init --name dockyard-ex08-4-web --label dockyard.chapter=ex08 "
    "-p 127.0.0.1::5000 dockyard/ex08-4-app:1.",
])
def production(client, c) -> None:
    tag = "dockyard/ex08-4-app:1"
    image = _image(c, client, tag, SLIM)
    user = read.config(image).get("User")
    c.check(f"{tag} runs as a user other than root", image is not None and not read.is_root(user),
            found="no image" if image is None else user or "root (no USER)",
            expected="a non-root user, such as 10001")
    c.check(f"{tag} weighs at most {BUDGET_MB} MB",
            image is not None and image.attrs["Size"] <= BUDGET_MB * 1e6,
            found=_mb(image) if image is not None else "no image")
    _no_compiler_step(c, client, image, tag)
    name = "dockyard-ex08-4-web"
    web = core.container(c, client, name, CHAPTER, image=tag)
    c.equal(f"{name} is running", read.status(web), "running")
    user = read.config(web).get("User")
    c.check(f"{name} runs as a user other than root", web is not None and not read.is_root(user),
            found="no container" if web is None else user or "root")
    bindings = read.port_bindings(web, "5000/tcp")
    c.check(f"{name} publishes 5000/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=read.describe_bindings(bindings), expected="127.0.0.1")
    c.check("Docker picked the host port (none fixed in its configuration)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings),
            found=read.describe_bindings(bindings), expected="host port any")
    status, body = read.http_get(web, "5000/tcp", loopback_only=True)
    c.check(f"GET / on the published port answers 200 {GREETING}", status == 200 and body == GREETING,
            found=f"{status} {core.shorten(body, 60)}" if status is not None else body,
            expected=f"200 {GREETING}")
    code, out = read.exec_output(web, ["sh", "-c", "command -v gcc"])
    c.check(f"inside {name}, command -v gcc finds no compiler", code not in (None, 0),
            found=out if code is None else core.shorten(out, 60) or f"exit code {code}")
    code, out = read.exec_output(web, ["python", "-c", "import psycopg; print(psycopg.pq.__impl__)"])
    said = out.splitlines()[-1] if out else ""
    c.check(f"inside {name}, psycopg runs its C implementation (psycopg.pq.__impl__ is c)",
            code == 0 and said == "c",
            found=out if code is None else core.shorten(said, 60) or f"exit code {code}",
            expected="c")

