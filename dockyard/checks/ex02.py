"""Checks for the Images exercises (ex02)."""

from __future__ import annotations

from dockyard import listing
from dockyard.checks import core, proof, read, task
from dockyard.sample import SAMPLE_APP, SAMPLE_IMAGE
from dockyard.stores import unpacked_size

CHAPTER = "ex02"
GREETING = "Hello from Docker!"
EDGE_GREETING = "Hello from the edge!"
TINY_GREETING = "Hello from a tiny image!"
VERSION = "org.opencontainers.image.version"
BASE = "python:3.11-slim"


def _short(found) -> str:
    return found.short_id.removeprefix("sha256:") if found is not None else "no image"


def _built_on(c, found, base_tag: str, base) -> None:
    """The image's layers begin with the base image's: it was built FROM it."""
    layers, base_layers = read.layers(found), read.layers(base)
    c.check(f"it is built on {base_tag} (its layers begin with {base_tag}'s)",
            found is not None and base_layers and layers[:len(base_layers)] == base_layers,
            found="no image" if found is None else "other first layers")


def _sample_steps(c, client, found, tag: str) -> None:
    """The image's own steps on python:3.11-slim are sample-app/Dockerfile's, in order, from one build: no
    step added after it (a RUN of its own, a `docker commit`), none missing."""
    wanted = proof.dockerfile_steps(SAMPLE_APP / "Dockerfile")
    steps = proof.own_steps(found, read.image(client, BASE))
    named = ", ".join(word for word, _ in wanted)
    c.check(f"{tag}'s own steps are sample-app/Dockerfile's, from one build ({named})",
            proof.same_steps(steps, wanted),
            found=("no image" if found is None else f"not built on {BASE}" if steps is None
                   else proof.describe_steps(steps)))


def _serves(c, client, found, name, greeting: str) -> None:
    c.equal(f"{name} is running", read.status(found), "running")
    bindings = read.port_bindings(found, "5000/tcp")
    c.check(f"{name} publishes 5000/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=", ".join(b.get("HostIp") or "all interfaces" for b in bindings) or "not published",
            expected="127.0.0.1")
    c.check(f"Docker picked {name}'s host port (none fixed in its configuration)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings),
            found=read.describe_bindings(bindings), expected="host port any")
    proof.own_command(c, client, found, name)
    status, body = read.http_get(found)
    c.check(f"GET / on {name}'s published port answers 200 {greeting}", status == 200 and body == greeting,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {greeting}")


@task("ex02-1", hints=[
    "docker build turns the folder sample-app/ and its Dockerfile (the build context) into an image; -t "
    "names it. A tag of another image, or a Dockerfile that starts FROM one, is not a build of the folder.",
    "Run the build in a terminal opened in the course folder, or in the cell with dockyard.build('docker "
    "build ...'), which runs it from the course folder; then client.images.get(tag) reads the image back.",
    "docker build --progress=plain -t dockyard/ex02-1-app:1.0 sample-app: the last word is the folder "
    "that holds the Dockerfile.",
])
def build(client, c) -> None:
    tag = "dockyard/ex02-1-app:1.0"
    found = core.image(c, client, tag)
    _built_on(c, found, BASE, read.image(client, BASE))
    _sample_steps(c, client, found, tag)
    sample = read.image(client, SAMPLE_IMAGE)
    inherited = read.chapter_label(found) == "sample-app"
    c.check(f"it is a build of your own, not the course's {SAMPLE_IMAGE} renamed or built FROM it",
            found is not None and not inherited and (sample is None or found.id != sample.id),
            found=(f"{SAMPLE_IMAGE}'s image, or its label {read.LABEL}=sample-app" if found is not None
                   else "no image"))
    config = read.config(found)
    c.equal("its working directory is /app", config.get("WorkingDir") or None, "/app")
    c.equal("its command is python app.py", config.get("Cmd"), ["python", "app.py"])
    c.check("it exposes 5000/tcp", "5000/tcp" in (config.get("ExposedPorts") or {}),
            found=list(config.get("ExposedPorts") or {}) or "no port", expected="5000/tcp")


@task("ex02-2", hints=[
    "A tag is a second name for an image ID; a build of a changed copy of the app is a new image with an "
    "ID of its own, from the same Dockerfile. Each container runs the image its tag names when it is "
    "created, with the image's own command.",
    "docker tag (image.tag(repository, tag)) adds a name; docker build -t ... builds the copy; "
    "client.containers.run(tag, ports={'5000/tcp': ('127.0.0.1', None)}, init=True, detach=True, ...) "
    "runs each tag, on a host port Docker picks.",
    "Copy sample-app/ to /tmp/dockyard-ex02/edge, replace Hello from Docker! by Hello from the edge! in "
    "its app.py, and build that folder: docker build -t dockyard/ex02-2-app:edge /tmp/dockyard-ex02/edge. "
    "Then run each tag: docker run -d --init --name dockyard-ex02-2-ROLE -p 127.0.0.1::5000 TAG.",
])
def tags(client, c) -> None:
    stable_tag, edge_tag = "dockyard/ex02-2-app:stable", "dockyard/ex02-2-app:edge"
    first = read.image(client, "dockyard/ex02-1-app:1.0")
    stable = core.image(c, client, stable_tag)
    c.check(f"{stable_tag} is the same image as dockyard/ex02-1-app:1.0 (same ID)",
            stable is not None and first is not None and stable.id == first.id,
            found=f"{_short(stable)} and {_short(first)}")
    edge = core.image(c, client, edge_tag)
    c.check(f"{edge_tag} is a new build, not the image {stable_tag} names",
            edge is not None and stable is not None and edge.id != stable.id,
            found=f"{_short(edge)} and {_short(stable)}")
    _sample_steps(c, client, edge, edge_tag)
    for role, tag, greeting in (("stable", stable_tag, GREETING), ("edge", edge_tag, EDGE_GREETING)):
        name = f"dockyard-ex02-2-{role}"
        _serves(c, client, proof.container(c, client, name, image=tag), name, greeting)


@task("ex02-3", hints=[
    "A dangling image has lost its last tag. docker image prune removes dangling images, but never one that "
    "a container still uses; a tag gives an image its name back. Keep the container the setup made: a new "
    "one would run another build.",
    "docker images --filter dangling=true --filter label=dockyard.chapter=ex02 lists them; "
    "docker inspect --format '{{.Image}}' dockyard-ex02-3-old names the image the container uses.",
    "docker tag IMAGE_ID dockyard/ex02-3-app:old (client.images.get(container.attrs['Image']).tag(...)), "
    "then docker image prune --force --filter label=dockyard.chapter=ex02.",
])
def dangling(client, c) -> None:
    for tag, version in (("dockyard/ex02-3-app:1", "4"), ("dockyard/ex02-3-app:0.9", "1"),
                         ("dockyard/ex02-3-app:old", "2")):
        found = read.image(client, tag)
        build_number = read.labels(found).get(VERSION)
        c.check(f"{tag} names build {version} ({VERSION}={version})", build_number == version,
                found=f"build {build_number}" if found is not None else "no such image",
                expected=f"build {version}")
    name = "dockyard-ex02-3-old"
    old = read.container(client, name)
    c.check(f"container {name} still exists", old, found="no such container")
    used = old.attrs.get("Image") if old is not None else None
    typed = read.config(old).get("Image")
    build_used = read.labels(read.image(client, used) if used else None).get(VERSION)
    # The setup ran it from dockyard/ex02-3-app:1 while that tag named build 2; a container made again
    # later, from build 2's ID or from :old, names another image, and one from :1 runs build 4.
    c.check(f"{name} is the setup's container: made from dockyard/ex02-3-app:1 when that was build 2",
            old is not None and typed == "dockyard/ex02-3-app:1" and build_used == "2",
            found=f"made from {typed}, build {build_used}" if old is not None else "no container",
            expected="made from dockyard/ex02-3-app:1, build 2")
    kept = read.image(client, "dockyard/ex02-3-app:old")
    c.check(f"the image {name} uses is tagged dockyard/ex02-3-app:old",
            kept is not None and used == kept.id,
            found=("no container" if old is None else "no image dockyard/ex02-3-app:old" if kept is None
                   else f"{name} uses {used.removeprefix('sha256:')[:12]}, the tag names {_short(kept)}"))
    left = listing.course(client, CHAPTER).dangling_images
    c.check(f"no image labelled dockyard.chapter={CHAPTER} is dangling", not left,
            found=f"{len(left)} dangling: " + ", ".join(_short(image) for image in left))


@task("ex02-4", hints=[
    "An instruction that only sets the configuration (CMD, ENV, LABEL) adds no layer and no file; only "
    "steps that change files add layers. A build records each instruction in the image's history.",
    "Build from debian:bookworm-slim with a Dockerfile on the build's standard input "
    "(docker build ... - <<'EOF'), then compare the two images' Size and RootFS.Layers.",
    'CMD ["echo", "Hello from a tiny image!"] is the whole program; run the image with no command of '
    "your own, and keep the container (no --rm). On the command line: docker build -t "
    "dockyard/ex02-4-tiny:1 - <<'EOF' ... EOF, then docker run --name dockyard-ex02-4-run "
    "dockyard/ex02-4-tiny:1.",
])
def tiny(client, c) -> None:
    tag, base_tag = "dockyard/ex02-4-tiny:1", "debian:bookworm-slim"
    found, base = core.image(c, client, tag), read.image(client, base_tag)
    _built_on(c, found, base_tag, base)
    extra = len(read.layers(found)) - len(read.layers(base))
    c.check(f"it adds at most one layer to {base_tag}", found is not None and base is not None and extra <= 1,
            found=f"{extra} layers" if found is not None else "no image", expected="0 or 1")
    grown = (unpacked_size(found) - unpacked_size(base)) if found is not None and base is not None else None
    c.check(f"it is at most 1 MB larger than {base_tag}", grown is not None and grown <= 1_000_000,
            found=f"{grown / 1e6:+.1f} MB" if grown is not None else "no image", expected="at most +1.0 MB")
    steps = proof.own_steps(found, base)
    c.check(f"each step it adds to {base_tag} is a Dockerfile instruction (built, not committed)",
            steps is not None and not proof.not_built(steps),
            found=("no image" if found is None else f"not built on {base_tag}" if steps is None
                   else proof.describe_steps(steps)))
    name = "dockyard-ex02-4-run"
    run = proof.container(c, client, name, image=tag)
    proof.own_command(c, client, run, name)
    c.equal(f"{name} has exited", read.status(run), "exited")
    c.equal("its exit code is 0", read.exit_code(run), 0)
    c.equal(f"its output is {TINY_GREETING}", read.logs(run, stderr=False) or None, TINY_GREETING)
