"""Remove what the course created, found by its label, and nothing else."""

from __future__ import annotations

import docker
from docker.errors import NotFound

from dockyard import listing
from dockyard.listing import image_name

__all__ = ["cleanup", "image_name", "leftovers"]


def cleanup(client: docker.DockerClient, chapter: str | None = None, images: bool = False) -> list[str]:
    """Remove labelled containers, networks and volumes (and images if asked); return what went."""
    removed = []
    for kind, name, resource in listing.course(client, chapter).entries(images="all" if images else None):
        removed += _gone(f"{kind} {name}", lambda r=resource, k=kind: _remove(client, k, r))
    return removed


def leftovers(client: docker.DockerClient, chapter: str | None = None) -> list[str]:
    """Labelled containers, networks and volumes still on the engine (every chapter's, or one's)."""
    return listing.course(client, chapter).names()


def _remove(client: docker.DockerClient, kind: str, resource) -> None:
    if kind == "container":
        resource.remove(force=True, v=True)
    elif kind == "image":
        client.images.remove(resource.id, force=True)
    else:
        resource.remove()


def _gone(what: str, remove) -> list[str]:
    try:
        remove()
    except NotFound:
        return []  # already gone (e.g. removed with its container): nothing to report
    return [what]
