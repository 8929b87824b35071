"""Checks for the Images exercises (ex02)."""

from __future__ import annotations

import re

from dockyard import listing
from dockyard.checks import core, read, task
from dockyard.sample import SAMPLE_APP

CHAPTER = "ex02"
GREETING = "Hello from Docker!"
EDGE_GREETING = "Hello from the edge!"
TINY_GREETING = "Hello from a tiny image!"
VERSION = "org.opencontainers.image.version"


def _short(found) -> str:
    return found.short_id.removeprefix("sha256:") if found is not None else "no image"


def _built_on(c, found, base_tag: str, base) -> None:
    """The image's layers begin with the base image's: it was built FROM it."""
    layers, base_layers = read.layers(found), read.layers(base)
    c.check(f"it is built on {base_tag} (its layers begin with {base_tag}'s)",
            found is not None and base_layers and layers[:len(base_layers)] == base_layers,
            found="no image" if found is None else "other first layers")


def _run_commands(found) -> list[str]:
    """The shell commands of the image's RUN steps, as BuildKit or the classic builder recorded them."""
    commands = []
    for step in read.created_by(found):
        text = step.replace(" # buildkit", "").strip()
        text = re.sub(r"^RUN ", "", text)
        if text.startswith("/bin/sh -c ") and "#(nop)" not in text:
            commands.append(text.removeprefix("/bin/sh -c ").strip())
    return commands


def _dockerfile_runs() -> list[str]:
    """The RUN commands of sample-app/Dockerfile."""
    lines = (SAMPLE_APP / "Dockerfile").read_text().splitlines()
    return [line.split(None, 1)[1].strip() for line in lines if line.startswith("RUN ")]


def _serves(c, found, name, greeting: str) -> None:
    c.equal(f"{name} is running", read.status(found), "running")
    bindings = read.port_bindings(found, "5000/tcp")
    c.check(f"{name} publishes 5000/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=", ".join(b.get("HostIp") or "all interfaces" for b in bindings) or "not published",
            expected="127.0.0.1")
    status, body = read.http_get(found)
    c.check(f"GET / on {name}'s published port answers 200 {greeting}", status == 200 and body == greeting,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {greeting}")


@task("ex02-1", hints=[
    "docker build turns the folder sample-app/ and its Dockerfile into an image; -t names it and --label "
    "marks it.",
    "Run the build in a terminal, or with dockyard.build('docker build ...') in the cell, from the course "
    "folder; then client.images.get(tag) reads the image back.",
    "docker build --progress=plain --label dockyard.chapter=ex02 -t dockyard/ex02-1-app:1.0 sample-app",
])
def build(client, c) -> None:
    tag = "dockyard/ex02-1-app:1.0"
    found = core.image(c, client, tag, CHAPTER)
    _built_on(c, found, "python:3.11-slim", read.image(client, "python:3.11-slim"))
    wanted = _dockerfile_runs()
    runs = _run_commands(found)
    c.check(f"its history holds the sample app's RUN step ({'; '.join(wanted)})",
            found is not None and all(step in runs for step in wanted),
            found="; ".join(runs[:2]) or "no RUN step" if found is not None else "no image")
    config = read.config(found)
    c.equal("its working directory is /app", config.get("WorkingDir") or None, "/app")
    c.equal("its command is python app.py", config.get("Cmd"), ["python", "app.py"])
    c.check("it exposes 5000/tcp", "5000/tcp" in (config.get("ExposedPorts") or {}),
            found=list(config.get("ExposedPorts") or {}) or "no port", expected="5000/tcp")


@task("ex02-2", hints=[
    "A tag is a second name for an image ID; a build of a changed copy of the app is a new image with an "
    "ID of its own. Each container runs the image its tag names when it is created.",
    "docker tag (image.tag(repository, tag)) adds a name; docker build -t ... builds the copy; "
    "client.containers.run(tag, ports={'5000/tcp': ('127.0.0.1', None)}, init=True, detach=True, ...) "
    "runs each tag.",
    "Copy sample-app/ to /tmp/dockyard-ex02/edge, replace Hello from Docker! by Hello from the edge! in "
    "its app.py, and build that folder: docker build --label dockyard.chapter=ex02 -t "
    "dockyard/ex02-2-app:edge /tmp/dockyard-ex02/edge. Then run each tag: docker run -d --init --name "
    "NAME --label dockyard.chapter=ex02 -p 127.0.0.1::5000 TAG.",
])
def tags(client, c) -> None:
    stable_tag, edge_tag = "dockyard/ex02-2-app:stable", "dockyard/ex02-2-app:edge"
    first = read.image(client, "dockyard/ex02-1-app:1.0")
    stable = core.image(c, client, stable_tag)
    c.check(f"{stable_tag} is the same image as dockyard/ex02-1-app:1.0 (same ID)",
            stable is not None and first is not None and stable.id == first.id,
            found=f"{_short(stable)} and {_short(first)}")
    edge = core.image(c, client, edge_tag, CHAPTER)
    c.check(f"{edge_tag} is a new build, not the image {stable_tag} names",
            edge is not None and stable is not None and edge.id != stable.id,
            found=f"{_short(edge)} and {_short(stable)}")
    for role, tag, greeting in (("stable", stable_tag, GREETING), ("edge", edge_tag, EDGE_GREETING)):
        name = f"dockyard-ex02-2-{role}"
        _serves(c, core.container(c, client, name, CHAPTER, image=tag), name, greeting)


@task("ex02-3", hints=[
    "A dangling image has lost its last tag. docker image prune removes dangling images, but never one that "
    "a container still uses; a tag gives an image its name back.",
    "docker images --filter dangling=true --filter label=dockyard.chapter=ex02 lists them; "
    "docker inspect --format '{{.Image}}' dockyard-ex02-3-old names the image the container uses.",
    "docker tag IMAGE_ID dockyard/ex02-3-app:old (client.images.get(container.attrs['Image']).tag(...)), "
    "then docker image prune --force --filter label=dockyard.chapter=ex02.",
])
def dangling(client, c) -> None:
    for tag, version in (("dockyard/ex02-3-app:1", "4"), ("dockyard/ex02-3-app:0.9", "1")):
        found = read.image(client, tag)
        build_number = read.labels(found).get(VERSION)
        c.check(f"{tag} names build {version} ({VERSION}={version})", build_number == version,
                found=f"build {build_number}" if found is not None else "no such image",
                expected=f"build {version}")
    name = "dockyard-ex02-3-old"
    old = read.container(client, name)
    c.check(f"container {name} still exists", old, found="no such container")
    kept = read.image(client, "dockyard/ex02-3-app:old")
    used = old.attrs.get("Image") if old is not None else None
    c.check(f"the image {name} uses is tagged dockyard/ex02-3-app:old",
            kept is not None and used == kept.id,
            found=("no container" if old is None else "no image dockyard/ex02-3-app:old" if kept is None
                   else f"{name} uses {used.removeprefix('sha256:')[:12]}, the tag names {_short(kept)}"))
    left = listing.course(client, CHAPTER).dangling_images
    c.check(f"no image labelled dockyard.chapter={CHAPTER} is dangling", not left,
            found=f"{len(left)} dangling: " + ", ".join(_short(image) for image in left))


@task("ex02-4", hints=[
    "An instruction that only sets the configuration (CMD, ENV, LABEL) adds no layer and no bytes; only "
    "steps that change files add layers.",
    "Build from debian:bookworm-slim with a Dockerfile on the build's standard input "
    "(docker build ... - <<'EOF'), then compare the two images' Size and RootFS.Layers.",
    'CMD ["echo", "Hello from a tiny image!"] is the whole program; run the image with no command of '
    "your own, and keep the container (no --rm). On the command line: docker build --label "
    "dockyard.chapter=ex02 -t TAG - <<'EOF' ... EOF, then docker run --name NAME --label "
    "dockyard.chapter=ex02 TAG.",
])
def tiny(client, c) -> None:
    tag, base_tag = "dockyard/ex02-4-tiny:1", "debian:bookworm-slim"
    found, base = core.image(c, client, tag, CHAPTER), read.image(client, base_tag)
    _built_on(c, found, base_tag, base)
    extra = len(read.layers(found)) - len(read.layers(base))
    c.check(f"it adds at most one layer to {base_tag}", found is not None and base is not None and extra <= 1,
            found=f"{extra} layers" if found is not None else "no image", expected="0 or 1")
    grown = (found.attrs["Size"] - base.attrs["Size"]) if found is not None and base is not None else None
    c.check(f"it is at most 1 MB larger than {base_tag}", grown is not None and grown <= 1_000_000,
            found=f"{grown / 1e6:+.1f} MB" if grown is not None else "no image", expected="at most +1.0 MB")
    name = "dockyard-ex02-4-run"
    run = core.container(c, client, name, CHAPTER, image=tag)
    c.check(f"{name} runs the current build of {tag}",
            run is not None and found is not None and run.attrs.get("Image") == found.id,
            found="an earlier build" if run is not None and found is not None else "nothing to compare")
    own = read.config(run)
    image = read.config(found)
    c.check("it runs the image's own command (none given when it was run)",
            run is not None and found is not None
            and own.get("Cmd") == image.get("Cmd") and own.get("Entrypoint") == image.get("Entrypoint"),
            found=own.get("Cmd") if run is not None else "no container")
    c.equal(f"{name} has exited", read.status(run), "exited")
    c.equal("its exit code is 0", read.exit_code(run), 0)
    c.equal(f"its output is {TINY_GREETING}", read.logs(run, stderr=False) or None, TINY_GREETING)
