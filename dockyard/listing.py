"""Listings of the engine that hold while other processes add and remove things.

The SDK's `containers.list()` and `images.list()` inspect each item after listing it; an item another
process removed in between (a lesson's `--rm` container, a test on the other worker, a learner's own
terminal) makes the whole listing fail with 404. These skip such an item: it is gone, so it is not there.
"""

from __future__ import annotations

from functools import cached_property

import docker
from docker.errors import NotFound
from docker.models.images import Image

from dockyard.labels import selector


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


def networks(client: docker.DockerClient, filters: dict | None = None) -> list:
    """Every network the filters select (the engine's list carries what the course reads: name, labels)."""
    return client.networks.list(filters=filters or {})


def volumes(client: docker.DockerClient, filters: dict | None = None) -> list:
    return client.volumes.list(filters=filters or {})


def image_name(image) -> str:
    """An image as the course reports it: its first tag, else its short ID."""
    return image.tags[0] if image.tags else image.short_id


class Course:
    """The course's labelled resources on an engine: every chapter's, or one chapter's. The one place
    that selects them; each kind is listed when first read, then kept, so read it once and let it go."""

    def __init__(self, client: docker.DockerClient, chapter: str | None = None):
        self.client, self.chapter, self.wanted = client, chapter, selector(chapter)

    @cached_property
    def containers(self) -> list:
        return containers(self.client, self.wanted)

    @cached_property
    def networks(self) -> list:
        return networks(self.client, self.wanted)

    @cached_property
    def volumes(self) -> list:
        return volumes(self.client, self.wanted)

    @cached_property
    def images(self) -> list[Image]:
        """Every labelled image: what the chapters built."""
        return images(self.client, self.wanted)

    @cached_property
    def dangling_images(self) -> list[Image]:
        """Labelled images that lost their tag to a rebuild: leftovers, unlike the tagged ones."""
        return images(self.client, {"dangling": True, **self.wanted})

    def entries(self, images: str | None = None) -> list[tuple[str, str, object]]:
        """(kind, name, resource) of each container, network and volume, and of each image too with
        images="all", or each dangling one with images="dangling"."""
        found = ([("container", c.name, c) for c in self.containers]
                 + [("network", n.name, n) for n in self.networks]
                 + [("volume", v.name, v) for v in self.volumes])
        chosen = {None: [], "all": self.images, "dangling": self.dangling_images}[images]
        return found + [("image", image_name(i), i) for i in chosen]

    def names(self, images: str | None = None) -> list[str]:
        """Each as 'kind name' ('container web-1', 'image dockyard/app:1'), in cleanup's words."""
        return [f"{kind} {name}" for kind, name, _ in self.entries(images)]


def course(client: docker.DockerClient, chapter: str | None = None) -> Course:
    return Course(client, chapter)
