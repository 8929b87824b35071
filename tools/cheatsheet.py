"""The cheat sheet appendix, generated from the chapters themselves so it cannot drift.

The CLI half reads every chapter's command lines (the terminal track, `dockyard.terminal`); the SDK
half reads the `client.<collection>.<method>(...)` calls of the chapters' code cells and takes each
one's summary from the pinned docker SDK's own docstring. `python -m tools.cheatsheet` rewrites
`appendices/cheatsheet.md`; a unit test fails when the committed page differs from what it generates.
"""

from __future__ import annotations

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
    "docker logs": "Print a container's output",
    "docker network connect": "Attach a running container to a network",
    "docker network create": "Create a network",
    "docker network disconnect": "Detach a container from a network",
    "docker network inspect": "Print a network's configuration and its containers",
    "docker network ls": "List networks",
    "docker network rm": "Remove a network",
    "docker port": "Print which host address and port a container port is published on",
    "docker ps": "List containers (`-a`: stopped ones too)",
    "docker pull": "Download an image from a registry",
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


def family(words: list[str]) -> str | None:
    """`docker network create x` -> `docker network create`; `docker run ...` -> `docker run`."""
    if not words or words[0] != "docker" or len(words) < 2:
        return None
    if words[1] not in GROUPS:
        return f"docker {words[1]}"
    rest = words[2:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in COMPOSE_VALUED else rest[1:]
    return f"docker {words[1]} {rest[0]}" if rest else None


def joined(tokens: list[str]) -> str:
    """Tokens back into a command line, a redirection kept whole: `2>/dev/null`, not `2 > /dev/null`
    (which passes `2` to the command as an argument)."""
    words: list[str] = []
    glue = False
    for token in tokens:
        redirect = re.fullmatch(r"[<>]+&?", token) is not None
        if redirect and words and words[-1].isdigit():
            words[-1] += token
        elif glue:
            words[-1] += token
        else:
            words.append(token)
        glue = redirect
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
    found, segment = [], []
    for token in tokens + [";"]:
        if token and set(token) <= set("|&;()"):
            if "docker" in segment:
                start = segment.index("docker")
                name = family(segment[start:])
                if name:
                    standalone = start == 0 and len(segment) > len(name.split())
                    found.append((name, joined(segment) if standalone else first, standalone))
            segment = []
        else:
            segment.append(token)
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
    lines = [
        "# Keep the commands at hand",
        "",
        "Every command and SDK call the chapters use, with its first example in the book and the",
        "chapters where you meet it. The page is generated from the chapters, so it lists exactly what",
        "they run. Names such as `dockyard-containers-web` are the course's own; put yours in their place.",
        "",
        "## Type these in a terminal",
        "",
        "| Command | What it does | First example | Where |",
        "|---|---|---|---|",
    ]
    for name in sorted(cli):
        entry = cli[name]
        lines.append(f"| `{name}` | {SAYS[name]} | `{cell(entry['example'])}` | {links(entry['chapters'])} |")
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
