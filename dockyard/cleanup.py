"""Remove what the course created, found by its label, and nothing else."""

from __future__ import annotations

import docker
from docker.errors import APIError, NotFound

from dockyard import listing
from dockyard.listing import image_name

__all__ = ["cleanup", "image_name", "leftovers"]


def cleanup(client: docker.DockerClient, chapter: str | None = None, images: bool = False) -> list[str]:
    """Remove labelled containers, networks and volumes (and images if asked); return what went."""
    removed = []
    for kind, name, resource in listing.course(client, chapter).entries(images="all" if images else None):
        if _remove(client, kind, resource):
            removed.append(f"{kind} {name}")
    return removed


def leftovers(client: docker.DockerClient, chapter: str | None = None) -> list[str]:
    """Labelled containers, networks and volumes still on the engine (every chapter's, or one's)."""
    return listing.course(client, chapter).names()


def _remove(client: docker.DockerClient, kind: str, resource) -> bool:
    """Remove one resource; False when it was not removed (gone already, or a tag still in use)."""
    try:
        if kind == "container":
            resource.remove(force=True, v=True)
        elif kind == "image" and isinstance(resource, str):
            client.images.remove(resource)  # a tag a task named: untag, as `docker rmi TAG` does
        elif kind == "image":
            client.images.remove(resource.id, force=True)
        else:
            resource.remove()
    except NotFound:
        return False  # already gone (e.g. removed with its container): nothing to report
    except APIError as error:
        if kind == "image" and isinstance(resource, str) and error.status_code == 409:
            return False  # a container of the learner's uses the image under that tag: it stays
        raise
    return True
