"""Reading builds and layers back in the words of the Dockerfile."""

from __future__ import annotations

import re

import docker

from dockyard.show import size

NOP = re.compile(r"^/bin/sh -c #\(nop\)\s+")
SHELL = re.compile(r"^/bin/sh -c ")


def instruction(created_by: str) -> str:
    """A history entry's command as the Dockerfile line that made it (classic builder or BuildKit)."""
    text = created_by.strip()
    if NOP.match(text):
        # COPY records a 64-digit content hash; 12 digits identify it as well as they do an image.
        return re.sub(r"\b(file|dir):([0-9a-f]{12})[0-9a-f]{52}", r"\1:\2", NOP.sub("", text))
    if SHELL.match(text):
        return "RUN " + SHELL.sub("", text)
    return text.replace(" # buildkit", "")


def steps(logs) -> list[dict]:
    """Each step of a classic build: its instruction and whether the cache answered it."""
    found = []
    for entry in logs:
        line = entry.get("stream", "").strip()
        match = re.match(r"Step (\d+/\d+) : (.*)", line)
        if match:
            found.append({"step": match[1], "instruction": match[2], "result": "-"})
        elif not found or found[-1]["instruction"].startswith("FROM"):
            continue  # FROM neither builds nor hits the cache: it names the starting layers
        elif line == "---> Using cache":
            found[-1]["result"] = "cache"
        elif line.startswith("--->") and found[-1]["result"] == "-":
            found[-1]["result"] = "built"
    return found


def own_layers(image: docker.models.images.Image, base: docker.models.images.Image) -> list[dict]:
    """The layers an image adds on top of its base, newest first, with their sizes."""
    rows = []
    for entry in image.history():
        if entry["Id"] == base.id:
            break
        rows.append({"instruction": instruction(entry["CreatedBy"]), "size": size(entry["Size"]),
                     "bytes": entry["Size"]})
    return rows
