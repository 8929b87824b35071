"""Free disk, where the engine keeps its images and where a bundle is written, against what is needed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from dockyard import inventory
from dockyard.errors import CourseError
from dockyard.labels import labels

GB = 1000**3
MB = 1000**2
# What a pulled official image takes on an amd64 engine (`docker image ls`, rounded up); a stand-in
# built here takes less. Used only to say how much room a missing image needs before it is fetched.
OFFICIAL_SIZE = {
    "debian:bookworm-slim": 80 * MB,
    "debian:trixie-slim": 85 * MB,
    "python:3.11-slim": 135 * MB,
    "python:3.11": 1050 * MB,
    "python:3.13-slim": 130 * MB,
    "postgres:15": 430 * MB,
    "redis:7": 120 * MB,
}
UNKNOWN_SIZE = 500 * MB
# The lessons' builds fill the engine's build cache: 10.3 GB on this project's machine after every
# chapter ran many times over. A room gets through a day with less, but not with nothing.
BUILD_ROOM = 10 * GB
# Below this much beyond the missing images, a build fails halfway.
MINIMUM_ROOM = 2 * GB
# The smallest manifest images, in the order the engine's disk is measured from inside a container.
PROBES = ("debian:bookworm-slim", "debian:trixie-slim", "python:3.11-slim")


class NotEnoughDisk(CourseError):
    pass


def missing_size(client: docker.DockerClient, names: list[str] | None = None) -> int:
    """Room the missing manifest images (or the named ones) need, by the official images' sizes."""
    return sum(OFFICIAL_SIZE.get(s.name, UNKNOWN_SIZE)
               for s in inventory.manifest_states(client, names) if not s.present)


def engine_free(client: docker.DockerClient) -> int | None:
    """Bytes free where the engine stores images and containers; None where it cannot be measured.

    Measured from inside a small container (`df /`), which sees the engine's own disk whether it is
    this machine's (Linux) or a virtual machine's (Docker Desktop, Colima, WSL 2). With no image to
    run yet, a local engine's data root is measured from here.
    """
    probe = probe_image(client)
    if probe:
        return free_inside(client, probe)
    info = client.info()
    root = Path(info.get("DockerRootDir") or "/nonexistent")
    local = os.environ.get("DOCKER_HOST", "unix://").startswith("unix://")
    if local and "Docker Desktop" not in info.get("OperatingSystem", "") and root.exists():
        return shutil.disk_usage(root).free
    return None


def probe_image(client: docker.DockerClient) -> str | None:
    """The smallest manifest image on the engine, to run a probe in."""
    for name in PROBES:
        try:
            client.images.get(name)
        except ImageNotFound:
            continue
        return name
    return None


def free_inside(client: docker.DockerClient, image: str) -> int:
    """Free bytes on the engine's disk, from `df -Pk /` in a container that must exit 0."""
    output = client.containers.run(image, ["df", "-Pk", "/"], remove=True, labels=labels("doctor"),
                                   network_disabled=True)
    return parse_df(output.decode())


def parse_df(output: str) -> int:
    """Available bytes from POSIX `df -Pk` output (its last line, fourth column, in KiB)."""
    return int(output.strip().splitlines()[-1].split()[3]) * 1024


def ensure_engine_room(client: docker.DockerClient, needed: int, doing: str) -> None:
    """Refuse, saying how much is missing, when the engine has less than `needed` bytes free."""
    if needed <= 0:
        return
    try:
        free = engine_free(client)
    except APIError:
        free = None
    if free is not None and free < needed:
        raise NotEnoughDisk(
            f"Not enough disk to {doing}: it needs about {inventory.human(needed)}, and the engine has "
            f"{inventory.human(free)} free, {inventory.human(needed - free)} short.\n"
            f"Free some room first: `docker system df` shows what takes it; `docker builder prune` "
            f"empties the build cache; `python -m dockyard reset --images` removes what the course built."
        )


def ensure_folder_room(folder: Path, needed: int, doing: str) -> None:
    free = shutil.disk_usage(_existing(folder)).free
    if free < needed:
        raise NotEnoughDisk(
            f"Not enough disk to {doing}: it needs about {inventory.human(needed)} in {folder}, which has "
            f"{inventory.human(free)} free, {inventory.human(needed - free)} short. Free some room there "
            f"or choose another folder (a USB stick, another disk)."
        )


def _existing(folder: Path) -> Path:
    folder = folder.resolve()
    while not folder.exists():
        folder = folder.parent
    return folder
