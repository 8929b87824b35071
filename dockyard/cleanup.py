"""Remove what the course created, found by its label, and nothing else."""

from __future__ import annotations

import docker
from docker.errors import NotFound

from dockyard import listing
from dockyard.labels import selector


def cleanup(client: docker.DockerClient, chapter: str | None = None, images: bool = False) -> list[str]:
    """Remove labelled containers, networks and volumes (and images if asked); return what went."""
    wanted = selector(chapter)
    removed = []
    for container in listing.containers(client, wanted):
        removed += _gone(f"container {container.name}", lambda c=container: c.remove(force=True, v=True))
    for network in client.networks.list(filters=wanted):
        removed += _gone(f"network {network.name}", network.remove)
    for volume in client.volumes.list(filters=wanted):
        removed += _gone(f"volume {volume.name}", volume.remove)
    if images:
        for image in listing.images(client, wanted):
            removed += _gone(f"image {image_name(image)}",
                             lambda i=image: client.images.remove(i.id, force=True))
    return removed


def leftovers(client: docker.DockerClient, chapter: str | None = None) -> list[str]:
    """Labelled containers, networks and volumes still on the engine (every chapter's, or one's)."""
    wanted = selector(chapter)
    return (
        [f"container {c.name}" for c in listing.containers(client, wanted)]
        + [f"network {n.name}" for n in client.networks.list(filters=wanted)]
        + [f"volume {v.name}" for v in client.volumes.list(filters=wanted)]
    )


def image_name(image) -> str:
    """An image as cleanup reports it: its first tag, else its short ID."""
    return image.tags[0] if image.tags else image.short_id


def _gone(what: str, remove) -> list[str]:
    try:
        remove()
    except NotFound:
        return []  # already gone (e.g. removed with its container): nothing to report
    return [what]
