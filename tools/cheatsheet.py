"""The cheat sheet appendix, generated from the chapters themselves so it cannot drift.

The CLI half reads every chapter's command lines (the terminal track, `dockyard.terminal`); the SDK
half reads the `client.<collection>.<method>(...)` calls of the chapters' code cells and takes each
one's summary from the pinned docker SDK's own docstring. `python -m tools.cheatsheet` rewrites
`appendices/cheatsheet.md`; a unit test fails when the committed page differs from what it generates.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import defaultdict
from pathlib import Path

import docker
import nbformat

from dockyard import terminal
from dockyard.shell import REPO

PAGE = REPO / "appendices" / "cheatsheet.md"
GROUPS = {"compose", "network", "volume", "image", "container", "buildx", "system", "builder"}
# Compose's global options that take a value, so the subcommand is the word after them.
COMPOSE_VALUED = {"-f", "--file", "-p", "--project-name", "--profile", "--env-file",
                  "--project-directory"}
SDK_CALL = re.compile(r"\bclient\.(containers|images|networks|volumes|api)\.(\w+)\(")
SDK_CLASSES = {
    "containers": docker.models.containers.ContainerCollection,
    "images": docker.models.images.ImageCollection,
    "networks": docker.models.networks.NetworkCollection,
    "volumes": docker.models.volumes.VolumeCollection,
    "api": docker.APIClient,
}
# One line per command family, in our words; generation stops if a chapter uses one not listed here.
SAYS = {
    "docker --version": "Print the client's version",
    "docker build": "Build an image from a Dockerfile and a context (BuildKit)",
    "docker buildx imagetools": "Read (inspect) or make an image index straight in a registry",
    "docker compose build": "Build the images of a Compose project's services",
    "docker compose config": "Print the Compose file as Compose resolves it",
    "docker compose down": "Stop and remove a project's containers and networks (`-v`: volumes too)",
    "docker compose exec": "Run a command in a running service's container",
    "docker compose logs": "Print the logs of a project's services",
    "docker compose port": "Print the host address and port of a service's published port",
    "docker compose ps": "List a project's containers",
    "docker compose restart": "Restart a project's services",
    "docker compose run": "Run a one-off command in a new container of a service",
    "docker compose stop": "Stop a project's services without removing them",
    "docker compose up": "Create and start a project's services (`-d` in the background; `--profile NAME` "
                         "adds the services of a profile)",
    "docker compose watch": "Sync files into services or rebuild them as the files change, by their "
                            "`develop: watch:` rules",
    "docker create": "Create a container without starting it",
    "docker cp": "Copy files between the host and a container, either way",
    "docker diff": "List the files a container changed, added or deleted",
    "docker events": "Stream what the engine does, as it happens",
    "docker exec": "Run a command in a running container",
    "docker history": "List the history of an image: each instruction and the layer it made",
    "docker image inspect": "Print an image's configuration as JSON",
    "docker image prune": "Remove dangling images",
    "docker images": "List images",
    "docker info": "Print the engine's configuration and state",
    "docker inspect": "Print the low-level JSON of any object",
    "docker kill": "Send a signal to a container (SIGKILL unless `-s` says otherwise)",
    "docker login": "Log in to a registry and store its credentials (`--password-stdin`: read from stdin)",
    "docker logout": "Remove a registry's stored credentials",
    "docker logs": "Print a container's output",
    "docker network connect": "Attach a running container to a network",
    "docker network create": "Create a network",
    "docker network disconnect": "Detach a container from a network",
    "docker network inspect": "Print a network's configuration and its containers",
    "docker network ls": "List networks",
    "docker network rm": "Remove a network",
    "docker port": "Print which host address and port a container port is published on",
    "docker ps": "List containers (`-a`: stopped ones too)",
    "docker pull": "Download an image from a registry, by tag or by digest (`name@sha256:...`)",
    "docker push": "Upload an image to the registry its name starts with",
    "docker restart": "Stop and start a container",
    "docker rm": "Remove a container (`-f`: stop it first)",
    "docker rmi": "Remove an image",
    "docker run": "Create and start a container from an image",
    "docker save": "Write images to a tar archive",
    "docker load": "Load images from a tar archive",
    "docker start": "Start a stopped container",
    "docker stop": "Stop a container: SIGTERM, then SIGKILL after the grace period",
    "docker tag": "Give an image another name",
    "docker stats": "Show the CPU, memory and process count a container uses now",
    "docker top": "List the processes running in a container",
    "docker version": "Print the client's and the engine's versions",
    "docker volume create": "Create a named volume",
    "docker volume inspect": "Print a volume's configuration",
    "docker volume ls": "List volumes",
    "docker volume rm": "Remove a volume",
    "docker wait": "Wait for a container to stop and print its exit code",
}

# The everyday forms, short, as a learner types them with names of their own: (command, what it does,
# the chapter that teaches it, and the words that chapter must contain, so the row cannot outlive it).
EVERYDAY = [
    ("docker run -it --rm python:3.11-slim bash",
     "Start a container with a shell of its own; `exit` ends the shell and the container, "
     "and `--rm` removes it",
     "03-containers", "docker run -it"),
    ("docker exec -it myapp bash",
     "Open a shell beside the app in a running container; `exit` leaves the app running",
     "03-containers", "docker exec -it"),
    ("docker logs -f myapp",
     "Follow a container's output as it comes; Ctrl-C stops following, not the container",
     "03-containers", "docker logs -f"),
    ("docker run -d --name myapp -p 127.0.0.1:5000:5000 myimage",
     "Publish container port 5000 on host port 5000 (host side first), for this machine only; "
     "`-p 5000:5000` publishes on every interface", "03-containers", "-p 127.0.0.1:5000:5000"),
    ("docker run -d --network host myimage",
     "Share the host's network: reach the app at `127.0.0.1` without `-p`; bind the app to `127.0.0.1`",
     "06-networking", "--network host"),
    ("docker run -d --tmpfs /tmp myimage", "Keep `/tmp` in memory: its files vanish with the container",
     "05-volumes", "--tmpfs /tmp"),
    ('docker run -d -v "$PWD":/app myimage',
     "Mount the current folder at `/app`: edits on the host show in the container at once",
     "05-volumes", '-v "$PWD":/app'),
]


def everyday_untaught() -> list[str]:
    """The everyday rows whose chapter no longer contains the words that teach them."""
    texts = {nb.stem: nb.read_text() for nb in chapters()}
    return [command for command, _, stem, words in EVERYDAY
            if json.dumps(words)[1:-1] not in texts.get(stem, "")]


# The docker command's own options that take a value, written before the subcommand.
GLOBAL_VALUED = {"--config", "--context", "-c", "-H", "--host", "-l", "--log-level"}


# Tasks that take several commands, each step given by how its command starts in a chapter's script: the
# page shows the chapter's own command, so a step whose command a chapter no longer runs stops the generator.
WORKFLOWS = {
    "Share an image through a registry of your own": [
        ("Run a registry on 127.0.0.1, on a port Docker picks",
         "docker run -d --name dockyard-share-registry "),
        ("Read the port it got", "PORT=$(docker port dockyard-share-registry"),
        ("Give an image a name in that registry", "docker tag dockyard/share-app:1.0 "),
        ("Push it", 'docker push "localhost:$PORT/'),
        ("Pull it by tag", 'docker pull "localhost:$PORT/'),
        ("Read the digest the registry gave it", "OLD=$(docker inspect --format '{{index .RepoDigests 0}}'"),
        ("Pull exactly that content, wherever the tag has moved", 'docker pull "$OLD"'),
        ("Log in, the password read from a file", "docker --config /tmp/dockyard-share/docker-config login "),
        ("Log out", "docker --config /tmp/dockyard-share/docker-config logout "),
    ],
}


def workflow_steps(steps: list[tuple[str, str]]) -> list[tuple[str, str, Path]]:
    """(what, the chapter's command, the chapter) for each step, from the first command that starts so."""
    commands = [(command, notebook) for notebook in chapters() for command in terminal.commands(notebook)]
    found = []
    for what, start in steps:
        match = next(((command, book) for command, book in commands if command.startswith(start)), None)
        if match is None:
            raise SystemExit(f"no chapter runs a command that starts with {start!r} (WORKFLOWS, {__file__})")
        found.append((what, *match))
    return found


def family(words: list[str]) -> str | None:
    """`docker network create x` -> `docker network create`; `docker run ...` -> `docker run`;
    `docker --config DIR login ...` -> `docker login`."""
    if words[:1] == ["docker"]:
        while len(words) > 2 and words[1] in GLOBAL_VALUED:
            words = ["docker", *words[3:]]
    if not words or words[0] != "docker" or len(words) < 2:
        return None
    if words[1] not in GROUPS:
        return f"docker {words[1]}"
    rest = words[2:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in COMPOSE_VALUED else rest[1:]
    return f"docker {words[1]} {rest[0]}" if rest else None


def joined(tokens: list[tuple[str, int]]) -> str:
    """Tokens, each with where it starts in its line, back into a command line, spaced as written: a
    redirection stays whole (`2>/dev/null`, not `2 > /dev/null`, which passes `2` to the command as an
    argument), and so does a word of quoted and bare parts (`"$PWD":/app`)."""
    words: list[str] = []
    end = None
    for token, start in tokens:
        if words and start == end:
            words[-1] += token
        else:
            words.append(token)
        end = start + len(token)
    return " ".join(words)


def docker_calls(command: str) -> list[tuple[str, str, bool]]:
    """(family, example, whether it is a full example: a command of its own, with arguments) for
    each docker call in a command's first line; inside `xargs` or `$(...)` the example is the line."""
    first = command.removeprefix("! ").replace("\\\n", " ").split("\n")[0]
    lexer = shlex.shlex(first, posix=False, punctuation_chars=True)  # keeps quotes as written
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return []
    placed, cursor = [], 0
    for token in tokens:  # where each token starts, so that the example keeps the line's spacing
        cursor = first.index(token, cursor)
        placed.append((token, cursor))
        cursor += len(token)
    found, segment = [], []
    for token, start in placed + [(";", len(first))]:
        if token and set(token) <= set("|&;()"):
            words = [word for word, _ in segment]
            if "docker" in words:
                at = words.index("docker")
                name = family(words[at:])
                if name:
                    standalone = at == 0 and len(words) > len(name.split())
                    found.append((name, joined(segment) if standalone else first, standalone))
            segment = []
        else:
            segment.append((token, start))
    return found


def chapters() -> list[Path]:
    return sorted((REPO / "chapters").glob("*.ipynb"))


def title(notebook: Path) -> str:
    first = nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0]
    return first.lstrip("# ").strip()


def cli_uses() -> dict[str, dict]:
    """Each family's first use in the book as its example (a standalone one where there is one)."""
    uses: dict[str, dict] = defaultdict(lambda: {"example": None, "standalone": False, "chapters": []})
    for notebook in chapters():
        for command in terminal.commands(notebook):
            for name, words, standalone in docker_calls(command):
                entry = uses[name]
                if entry["example"] is None or (standalone and not entry["standalone"]):
                    entry.update(example=words, standalone=standalone)
                if notebook not in entry["chapters"]:
                    entry["chapters"].append(notebook)
    return dict(uses)


def sdk_uses() -> dict[str, list[Path]]:
    uses: dict[str, list[Path]] = defaultdict(list)
    for notebook in chapters():
        for cell in nbformat.read(notebook, as_version=4).cells:
            for collection, method in SDK_CALL.findall(cell.source if cell.cell_type == "code" else ""):
                name = f"client.{collection}.{method}"
                if notebook not in uses[name]:
                    uses[name].append(notebook)
    return dict(uses)


def sdk_summary(name: str) -> str:
    """The first sentence of the SDK method's docstring, its reST roles made Markdown."""
    _, collection, method = name.split(".")
    # the first paragraph only: a summary without a full stop would run on into "Args: ..."
    first = re.split(r"\n\s*\n", (getattr(SDK_CLASSES[collection], method).__doc__ or "").strip())[0]
    sentence = re.split(r"(?<=\.) ", " ".join(first.split()), maxsplit=1)[0]
    sentence = sentence if sentence.endswith(".") else f"{sentence}."
    return re.sub(r":py:\w+:`([^`]+)`", r"`\1`", sentence).replace("``", "`")


def links(notebooks: list[Path]) -> str:
    return ", ".join(f"[{title(nb)}](../chapters/{nb.stem}.ipynb)" for nb in notebooks)


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def page() -> str:
    cli, sdk = cli_uses(), sdk_uses()
    unknown = sorted(set(cli) - set(SAYS))
    if unknown:
        raise SystemExit(f"add a one-line description to SAYS in {__file__} for: {', '.join(unknown)}")
    untaught = everyday_untaught()
    if untaught:
        raise SystemExit(f"EVERYDAY in {__file__} names words its chapter no longer has: "
                         f"{', '.join(untaught)}")
    lines = [
        "# Keep the commands at hand",
        "",
        "The everyday forms first, short, then every command and SDK call the chapters use, with its first",
        "example in the book and the chapters where you meet it. That part is generated from the chapters,",
        "so it lists exactly what they run. Names such as `dockyard-containers-web` are the course's own;",
        "put yours in their place.",
        "",
        "## Keep these at hand",
        "",
        "`myapp` is a container's name and `myimage` an image's; put yours in their place.",
        "",
        "| Command | What it does | Learn it in |",
        "|---|---|---|",
    ]
    notebooks = {nb.stem: nb for nb in chapters()}
    for command, says, stem, _ in EVERYDAY:
        lines.append(f"| `{cell(command)}` | {says} | {links([notebooks[stem]])} |")
    lines += [
        "",
        "## Type these in a terminal",
        "",
        "| Command | What it does | First example | Where |",
        "|---|---|---|---|",
    ]
    for name in sorted(cli):
        entry = cli[name]
        lines.append(f"| `{name}` | {SAYS[name]} | `{cell(entry['example'])}` | {links(entry['chapters'])} |")
    for task, steps in WORKFLOWS.items():
        lines += ["", f"## {task}", "", "| Step | Command | Where |", "|---|---|---|"]
        lines += [f"| {what} | `{cell(command)}` | {links([notebook])} |"
                  for what, command, notebook in workflow_steps(steps)]
    lines += [
        "",
        "## Call these from Python",
        "",
        "The same actions through the Docker SDK for Python (`import docker; client = docker.from_env()`).",
        "Each summary is the SDK's own.",
        "",
        "| Call | What it does | Where |",
        "|---|---|---|",
    ]
    for name in sorted(sdk):
        lines.append(f"| `{name}()` | {cell(sdk_summary(name))} | {links(sdk[name])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(page())
    print(f"wrote {PAGE.relative_to(REPO)}")
