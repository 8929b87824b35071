"""Listings of the engine that hold while other processes add and remove things.

The SDK's `containers.list()` and `images.list()` inspect each item after listing it; an item another
process removed in between (a lesson's `--rm` container, a test on the other worker, a learner's own
terminal) makes the whole listing fail with 404. These skip such an item: it is gone, so it is not there.
"""

from __future__ import annotations

import docker
from docker.errors import NotFound
from docker.models.images import Image


def containers(client: docker.DockerClient, filters: dict | None = None) -> list:
    """Every container the filters select, stopped ones too."""
    return client.containers.list(all=True, filters=filters or {}, ignore_removed=True)


def images(client: docker.DockerClient, filters: dict | None = None) -> list[Image]:
    """Every image the filters select (intermediate ones left out, as `docker images` does)."""
    found = []
    for summary in client.api.images(filters=filters or {}):
        try:
            found.append(client.images.get(summary["Id"]))
        except NotFound:
            continue  # removed since the listing
    return found
