"""Names the course needs, claimed without ever touching a resource the learner made."""

from __future__ import annotations

import docker
from docker.errors import ImageNotFound, NotFound

from dockyard.errors import CourseError
from dockyard.labels import LABEL

REMEDY = {
    "container": "docker rename {name} <new-name>   (or docker rm -f {name} if you no longer need it)",
    "network": "docker network rm {name}   (after disconnecting your containers from it)",
    "volume": "docker volume rm {name}   (only if its data is not needed: back it up first)",
    "image": "docker tag {name} <new-name> && docker rmi {name}",
}


class NameTaken(CourseError):
    """A name the course needs belongs to something the learner created."""

    def __init__(self, kind: str, name: str):
        super().__init__(
            f"The {kind} name '{name}' is already used by a {kind} that Dockyard did not create, "
            f"so Dockyard leaves it alone. Free the name yourself, for example with:\n"
            f"    {REMEDY[kind].format(name=name)}\n"
            f"then run this cell again."
        )


def find(client: docker.DockerClient, kind: str, name: str):
    """The container, network, volume or image called exactly `name`, or None."""
    collections = {
        "container": client.containers, "network": client.networks,
        "volume": client.volumes, "image": client.images,
    }
    try:
        found = collections[kind].get(name)
    except (NotFound, ImageNotFound):
        return None
    # get() also matches ID prefixes; only an exact name is a clash.
    if kind in ("container", "network") and found.name != name:
        return None
    return found


def _labels(kind: str, resource) -> dict:
    if kind in ("volume", "network"):  # these models keep labels only in attrs
        return resource.attrs.get("Labels") or {}
    return resource.labels or {}


class NameInUse(CourseError):
    """A name the cell needs is held by what this chapter made earlier: Docker's own conflict."""

    def __init__(self, kind: str, name: str):
        super().__init__(
            f'Conflict. The {kind} name "{name}" is already in use, by a {kind} this chapter made: you ran '
            f"this cell (or one that makes the same {kind}) before. Docker gives every {kind} a name once. "
            f"Remove the old one, for example with:\n    {REMOVE[kind].format(name=name)}\nthen run this "
            f"cell again, or run the chapter from its first cell, which clears what an earlier run left."
        )


REMOVE = {
    "container": "docker rm -f {name}",
    "network": "docker network rm {name}",
    "volume": "docker volume rm {name}",
}


def claim(client: docker.DockerClient, kind: str, name: str) -> None:
    """Make sure `name` is free before a cell makes a resource of that name, and say clearly what holds
    it when it is not. Nothing is removed: a learner's resource is refused (NameTaken), a course one
    made by an earlier run of the cell is a conflict, as in a terminal (NameInUse); a chapter's first
    cell clears what an earlier run of the chapter left.

    An image tag is refused only if unlabelled; building over a course image's tag moves the tag, as
    `docker build -t` does.
    """
    found = find(client, kind, name)
    if found is None:
        return
    if LABEL not in _labels(kind, found):
        raise NameTaken(kind, name)
    if kind != "image":
        raise NameInUse(kind, name)
