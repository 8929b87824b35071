"""Checks for the Multi-stage builds exercises (ex08).

Images are read from their configuration, history, layers and size. Whether a compiler is inside an
image shows only in a container: ex08-1 looks in a throwaway container of the learner's image for every
compiler on PATH (versioned names too: gcc-12), and ex08-4 in the learner's running container, where it
also reads psycopg's implementation and libpq's headers and sends a GET to the published port. What the
learner's own containers printed is proven produced, not typed, by running the same commands again where
the answer differs (dockyard.checks.trial): the probe's command on an image that has gcc (ex08-1) or has
neither gcc nor /wheels (ex08-2), the image's CMD with a stand-in greet module. ex08-3 lists the files of
the layers an image adds to its base, from the archive `docker save` streams (`image.save()`), which
changes nothing.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import PurePosixPath

from dockyard.builds import instruction
from dockyard.checks import core, proof, read, task, trial
from dockyard.stores import unpacked_size

SLIM = "python:3.11-slim"
FULL = "python:3.11"
HELLO = "Hello from C"
GREETING = "Hello from Docker!"
BUDGET_MB = 200
# A step that installs one of these brings a compiler into the image (gcc-12 too, or Debian's
# x86_64-linux-gnu-gcc-12), and not a library of the same family (libgcc-s1, gcc-12-base).
COMPILERS = re.compile(r"(?<![\w.+-])(build-essential|(gcc|g\+\+|clang|tcc)(-\d+(\.\d+)*)?"
                       r"|[\w.]+-linux-gnu-(gcc|g\+\+)(-\d+)?)(?![\w.+-])")
# A greet module the check puts in front of the installed one, to see that the image's CMD calls it.
STANDIN = "Hello from a stand-in greet"
WITH_STANDIN = ('mkdir -p /tmp/dockyard-standin && printf "def hello():\\n    return \'%s\'\\n" '
                f'"{STANDIN}" > /tmp/dockyard-standin/greet.py && '
                'PYTHONPATH=/tmp/dockyard-standin${PYTHONPATH:+:$PYTHONPATH} exec "$@"')
# Where libpq's C headers are, when libpq-dev (not only its run-time library, libpq5) is installed.
LIBPQ_HEADERS = ["sh", "-c", "find /usr/include /usr/local/include -name libpq-fe.h 2>/dev/null"]
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


def _gcc_path(line: str) -> bool:
    """Whether a line is the path of gcc, as `command -v gcc` prints it."""
    return line.startswith("/") and PurePosixPath(line).name == "gcc"


def _mb(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


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
    found = core.image(c, client, tag)
    where = ("no image" if found is None else f"{base} is not on this engine"
             if read.image(client, base) is None else "another base image")
    c.check(f"{tag} is built on {base}", _on(client, found, base), found=where)
    steps = proof.own_steps(found, read.image(client, base))
    c.check(f"each step {tag} adds to {base} is a Dockerfile instruction (built, not committed)",
            steps is not None and not proof.not_built(steps),
            found=("no image" if found is None else f"not built on {base}" if steps is None
                   else proof.describe_steps(steps)))
    return found


def _no_compiler_step(c, client, image, tag: str) -> None:
    steps = _own_steps(client, image)
    # Any step but a LABEL counts: a RUN, and a RUN the classic builder recorded with its build arguments.
    installs = [step for step in steps if not step.startswith("LABEL") and COMPILERS.search(step)]
    c.check(f"none of {tag}'s own steps installs a compiler (gcc, build-essential)",
            image is not None and not installs,
            found="no image" if image is None else core.shorten(installs[0]) if installs else "")


def _no_compiler_inside(c, listing: tuple[int | None, str], where: str) -> None:
    """No compiler among the programs trial.PROGRAMS listed in a container."""
    code, text = listing
    found = trial.compilers(text) if code == 0 else []
    c.check(f"{where}, no C compiler on PATH (gcc, cc, clang, versioned ones such as gcc-12)",
            code == 0 and not found,
            found=(text if code is None else f"exit code {code}" if code
                   else core.shorten(", ".join(found), 60)))


def _run(client, image, command: list[str]) -> tuple[int | None, str]:
    """(exit code, standard output) of `command` run to its end in a throwaway container of `image`, in
    place of the image's ENTRYPOINT and CMD; (None, why not)."""
    if image is None:
        return None, "no image"
    code, out, err = read.trial_run(client, image.id, entrypoint=command)
    return (code, out) if code is not None else (None, err)


def _starts(config: dict) -> list[str]:
    """What a container runs: its ENTRYPOINT, then its CMD."""
    return (config.get("Entrypoint") or []) + (config.get("Cmd") or [])


# Tasks -----------------------------------------------------------------------------------------

@task("ex08-1", hints=[
    "Two FROM lines make two stages. Compile where the compiler is, in a first stage on python:3.11 named "
    "builder, and let the final stage on python:3.11-slim take only the wheel: nothing else of the builder "
    "comes along unless a COPY --from fetches it. The check runs your CMD and your probe's command again "
    "where the answers differ, so both must compute what they print.",
    "Builder: FROM python:3.11 AS builder, WORKDIR /src, COPY . ., RUN pip wheel --no-cache-dir --wheel-dir "
    "/wheels . Final: FROM python:3.11-slim, COPY --from=builder /wheels /wheels, RUN pip install "
    "--no-cache-dir --no-index /wheels/*, and a CMD.",
    'CMD ["python", "-c", "import greet; print(greet.hello())"]; build with docker build -t '
    "dockyard/ex08-1-app:1 -f /tmp/dockyard-ex08/Dockerfile.1 /tmp/dockyard-ex08/greet, then run the two "
    "containers without --rm so that they stay: docker run --name dockyard-ex08-1-hello "
    "dockyard/ex08-1-app:1, and docker run --name dockyard-ex08-1-probe dockyard/ex08-1-app:1 sh -c "
    "'command -v gcc || echo no compiler'.",
])
def two_stages(client, c) -> None:
    tag = "dockyard/ex08-1-app:1"
    image = _image(c, client, tag, SLIM)
    _no_compiler_step(c, client, image, tag)
    _no_compiler_inside(c, _run(client, image, ["sh", "-c", trial.PROGRAMS]),
                        f"in a throwaway container of {tag}")
    hello = "dockyard-ex08-1-hello"
    found = core.named_container(c, client, hello, image=tag)
    cmd = read.config(image).get("Cmd")
    c.check(f"{hello} was given no command (it runs the image's CMD)",
            found is not None and image is not None and bool(cmd) and read.config(found).get("Cmd") == cmd,
            found=json.dumps(read.config(found).get("Cmd")) if found is not None else "no container",
            expected=json.dumps(cmd) if image is not None else "the image's CMD")
    core.exited_ok(c, found, hello)
    core.printed(c, found, hello, HELLO)
    starts = _starts(read.config(image))
    code, said = _run(client, image, ["sh", "-c", WITH_STANDIN, "sh", *starts])
    c.check(f"{tag}'s CMD prints what greet.hello() returns (run again with a stand-in greet module, it "
            "printed the stand-in's text)", code == 0 and said == STANDIN,
            found=said if code is None else f"{core.shorten(said, 50) or 'no output'}, exit code {code}",
            expected=STANDIN)
    probe = "dockyard-ex08-1-probe"
    found = core.named_container(c, client, probe, image=tag)
    core.exited_ok(c, found, probe)
    core.printed(c, found, probe, "no compiler")
    code, said = proof.rerun(client, found, FULL)
    c.check(f"{probe}'s command looks for a compiler: run again on {FULL}, which has gcc, it does not print "
            "no compiler", code == 0 and bool(said) and said.splitlines()[-1].strip() != "no compiler",
            found=said if code is None else f"{core.shorten(said, 50) or 'no output'}, exit code {code}",
            expected="/usr/bin/gcc")


@task("ex08-2", hints=[
    "docker build --target NAME stops after the stage called NAME: the image it tags is that stage, with "
    "everything the stage installed and made. The probe must find what it prints: the check runs its "
    "command again on python:3.11-slim, where there is neither gcc nor /wheels.",
    "Build the same Dockerfile and context as in ex08-1 with --target builder -t dockyard/ex08-2-builder:1; "
    "BuildKit answers every step from its cache.",
    "docker build --target builder -t dockyard/ex08-2-builder:1 -f /tmp/dockyard-ex08/Dockerfile.1 "
    "/tmp/dockyard-ex08/greet; then docker run --name dockyard-ex08-2-probe dockyard/ex08-2-builder:1 sh -c "
    "'command -v gcc && ls /wheels', without --rm; docker image ls dockyard/ex08-1-app:1 "
    "dockyard/ex08-2-builder:1 compares the sizes.",
])
def target(client, c) -> None:
    tag = "dockyard/ex08-2-builder:1"
    image = _image(c, client, tag, FULL)
    steps = [instruction(step) for step in read.created_by(image)]
    wheel = [step for step in steps if step.startswith("RUN") and "pip wheel" in step]
    c.check(f"{tag}'s history holds the builder's pip wheel step", wheel,
            found="no image" if image is None else "no RUN with pip wheel")
    probe = "dockyard-ex08-2-probe"
    found = core.named_container(c, client, probe, image=tag)
    core.exited_ok(c, found, probe)
    lines = [line.strip() for line in read.logs(found, stderr=False).splitlines() if line.strip()]
    c.check(f"{probe} printed the path of gcc first", lines and _gcc_path(lines[0]),
            found=core.shorten(lines[0], 60) if lines else "no output", expected="/usr/bin/gcc")
    c.check(f"{probe} then listed greet's wheel from /wheels",
            any(GREET_WHEEL.fullmatch(line) for line in lines[1:]),
            found=core.shorten(", ".join(lines[1:]), 60) or "nothing more", expected="greet-1.0-...whl")
    code, said = proof.rerun(client, found, SLIM)
    again = [line.strip() for line in said.splitlines() if line.strip()] if code is not None else []
    typed = [line for line in again if _gcc_path(line) or GREET_WHEEL.fullmatch(line)]
    c.check(f"{probe}'s command reads the image: run again on {SLIM}, which has neither gcc nor /wheels, it "
            "prints neither", code is not None and not typed,
            found=("no container" if found is None else said) if code is None
            else f"it printed {core.shorten(', '.join(typed), 50)}", expected="no gcc path, no wheel")
    final = read.image(client, "dockyard/ex08-1-app:1")
    sizes = (unpacked_size(final), unpacked_size(image)) if final is not None and image is not None else None
    c.check(f"dockyard/ex08-1-app:1 (task ex08-1) is at most half the size of {tag}",
            sizes is not None and sizes[0] <= sizes[1] / 2,
            found=f"{_mb(sizes[0])} against {_mb(sizes[1])}" if sizes is not None
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
    "docker build -t dockyard/ex08-3-app:1 -f /tmp/dockyard-ex08/Dockerfile.3 /tmp/dockyard-ex08/greet.",
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
    "Take the conditions one at a time: the compiler and libpq's headers live in a builder stage on "
    "python:3.11 that makes wheels of requirements-c.txt; the final stage on python:3.11-slim needs libpq's "
    "run-time library (libpq5, not libpq-dev), an unprivileged USER, and nothing else it does not run.",
    "Builder: COPY requirements-c.txt ., RUN pip wheel --no-cache-dir --wheel-dir /wheels -r "
    "requirements-c.txt. Final: RUN apt-get update && apt-get install -y --no-install-recommends libpq5 "
    "&& rm -rf /var/lib/apt/lists/*; RUN useradd --uid 10001 --no-create-home appuser; install the wheels "
    "with pip install --no-index; COPY . .; USER 10001.",
    "docker build -t dockyard/ex08-4-app:1 -f /tmp/dockyard-ex08/Dockerfile.4 sample-app, then docker run "
    "-d --init --name dockyard-ex08-4-web -p 127.0.0.1::5000 dockyard/ex08-4-app:1.",
])
def production(client, c) -> None:
    tag = "dockyard/ex08-4-app:1"
    image = _image(c, client, tag, SLIM)
    user = read.config(image).get("User")
    c.check(f"{tag} runs as a user other than root", image is not None and not read.is_root(user),
            found="no image" if image is None else user or "root (no USER)",
            expected="a non-root user, such as 10001")
    size = unpacked_size(image) if image is not None else None
    c.check(f"{tag} weighs at most {BUDGET_MB} MB", size is not None and size <= BUDGET_MB * 1e6,
            found=_mb(size) if size is not None else "no image")
    _no_compiler_step(c, client, image, tag)
    name = "dockyard-ex08-4-web"
    web = core.named_container(c, client, name, image=tag)
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
    _no_compiler_inside(c, read.exec_output(web, ["sh", "-c", trial.PROGRAMS]), f"inside {name}")
    code, out = read.exec_output(web, LIBPQ_HEADERS)
    c.check(f"inside {name}, libpq's C headers are absent (libpq5 alone, no libpq-dev)",
            code == 0 and not out,
            found=out if code is None else core.shorten(out, 60) if out else f"exit code {code}")
    code, out = read.exec_output(web, ["python", "-c", "import psycopg; print(psycopg.pq.__impl__)"])
    said = out.splitlines()[-1] if out else ""
    c.check(f"inside {name}, psycopg runs its C implementation (psycopg.pq.__impl__ is c)",
            code == 0 and said == "c",
            found=out if code is None else core.shorten(said, 60) or f"exit code {code}",
            expected="c")

