"""A chapter's first output: which engine answered, and where each image it uses came from."""

from __future__ import annotations

import docker

from dockyard.engine import describe
from dockyard.errors import CourseError
from dockyard.images import is_present, is_standin

OFFICIAL = "official image"
STANDIN = "offline stand-in (see the note on stand-ins in the introduction)"


class ImageMissing(CourseError):
    """An image a chapter needs is not on the engine."""

    def __init__(self, names: list[str]):
        listed = " ".join(names)
        super().__init__(
            f"This chapter needs {listed}, which your engine does not have. Fetch it with\n"
            f"    docker pull {names[0]}\n"
            f"or prepare every image the course uses at once (it builds offline stand-ins where no "
            f"registry answers):\n    make setup\nthen run this cell again."
        )


def provenance(client: docker.DockerClient, name: str) -> str:
    return STANDIN if is_standin(client, name) else OFFICIAL


def about(client: docker.DockerClient, images: list[str]) -> None:
    """Print the engine, and for each image the chapter uses whether it is official or a stand-in."""
    missing = [name for name in images if not is_present(client, name)]
    if missing:
        raise ImageMissing(missing)
    print("Connected to", describe(client))
    width = max(map(len, images), default=0)
    for name in images:
        print(f"  {name:{width}}  {provenance(client, name)}")
