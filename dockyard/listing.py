"""Listings of the engine that hold while other processes add and remove things.

The SDK's `containers.list()` and `images.list()` inspect each item after listing it; an item another
process removed in between (a lesson's `--rm` container, a test on the other worker, a learner's own
terminal) makes the whole listing fail with 404. These skip such an item: it is gone, so it is not there.
"""

from __future__ import annotations

import re
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
    for summary in _image_summaries(client, filters or {}):
        try:
            found.append(client.images.get(summary["Id"]))
        except NotFound:
            continue  # removed since the listing
    return found


def _image_summaries(client: docker.DockerClient, filters: dict, tries: int = 3) -> list[dict]:
    """The engine's image list. On the containerd image store the list itself answers 404 ("content
    digest ... not found") when another process deletes an image while the engine reads it: ask again."""
    for _ in range(tries - 1):
        try:
            return client.api.images(filters=filters)
        except NotFound:
            continue
    return client.api.images(filters=filters)  # the last try: its 404 reaches the caller


def networks(client: docker.DockerClient, filters: dict | None = None) -> list:
    """Every network the filters select (the engine's list carries what the course reads: name, labels)."""
    return client.networks.list(filters=filters or {})


def volumes(client: docker.DockerClient, filters: dict | None = None) -> list:
    return client.volumes.list(filters=filters or {})


def image_name(image) -> str:
    """An image as the course reports it: its first tag, else its short ID."""
    return image.tags[0] if image.tags else image.short_id


# An image's name may start with a registry's address (localhost:5000/dockyard/ex10-app:1.0): a host with
# a port, a dot, or localhost, as Docker tells a registry from a first path component.
REGISTRY_HOST = r"(?:(?:localhost|[^/]*[.:][^/]*)/)?"


def exercise_names(chapter: str | None = None) -> re.Pattern | None:
    """The names the exercise tasks give (dockyard-ex06-4-web, dockyard/ex08-1-app:1, a Compose
    project's dockyard-ex07-2_default, and an image tagged for a registry,
    localhost:5000/dockyard/ex10-app:1.0): an exercise's answer is typed as at work, without the
    course's label, so its resources are known by these names. None for a lesson chapter, whose cells
    label all."""
    if chapter is None:
        return re.compile(rf"{REGISTRY_HOST}dockyard[-/]ex\d\d-")
    if re.fullmatch(r"ex\d\d", chapter):
        return re.compile(rf"{REGISTRY_HOST}dockyard[-/]{chapter}-")
    return None


def references(image: Image) -> list[str]:
    """An image's tags, then the digests it is known by in a repository (what a push or a pull by
    digest records: localhost:5000/dockyard/ex10-app@sha256:...)."""
    return [*image.tags, *(image.attrs.get("RepoDigests") or [])]


def _carries(image: Image, wanted: dict[str, list[str]]) -> bool:
    """Whether the image carries the label the filter `wanted` selects ("dockyard.chapter[=value]")."""
    key, _, value = wanted["label"][0].partition("=")
    return key in image.labels and (not value or image.labels[key] == value)


def _by_id(*groups: list) -> list:
    seen, found = set(), []
    for item in (item for group in groups for item in group):
        if item.id not in seen:
            seen.add(item.id)
            found.append(item)
    return found


class Course:
    """The course's resources on an engine, every chapter's or one chapter's: those with its label, and
    in the exercises those with the names the tasks give. The one place that selects them; each kind is
    listed when first read, then kept, so read it once and let it go."""

    def __init__(self, client: docker.DockerClient, chapter: str | None = None):
        self.client, self.chapter, self.wanted = client, chapter, selector(chapter)
        self.named = exercise_names(chapter)

    def _named(self, lister, name=lambda item: [item.name]) -> list:
        """What `lister` finds under the exercises' names (the engine's name filters match any part
        of a name, so the pattern decides)."""
        if self.named is None:
            return []
        # The engine ORs reference patterns; `*` stops at a slash, so the second finds a registry's address.
        patterns = ["dockyard/ex*", "*/dockyard/ex*"]
        rough = {"reference": patterns} if lister is images else {"name": ["dockyard-ex"]}
        listed = lister(self.client, rough)
        return [item for item in listed if any(self.named.match(n) for n in name(item))]

    @cached_property
    def containers(self) -> list:
        return _by_id(containers(self.client, self.wanted), self._named(containers))

    @cached_property
    def networks(self) -> list:
        return _by_id(networks(self.client, self.wanted), self._named(networks))

    @cached_property
    def volumes(self) -> list:
        return _by_id(volumes(self.client, self.wanted), self._named(volumes))

    @cached_property
    def images(self) -> list[Image]:
        """Every labelled image, what the chapters built, and the exercises' named ones."""
        return _by_id(images(self.client, self.wanted), self._named(images, name=references))

    def _image_entries(self, chosen: list[Image]) -> list[tuple[str, str, object]]:
        """A labelled image goes whole (the course built it); of an unlabelled one only the tags and
        digests the tasks name go, as `docker rmi TAG` untags: the image under them may be the learner's
        own too. Removing a repository's last tag removes its digests with it (cleanup then skips them)."""
        entries = []
        for image in chosen:
            if _carries(image, self.wanted):
                entries.append(("image", image_name(image), image))
            elif self.named:
                entries += [("image", ref, ref) for ref in references(image) if self.named.match(ref)]
        return entries

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
        return found + self._image_entries(chosen)

    def names(self, images: str | None = None) -> list[str]:
        """Each as 'kind name' ('container web-1', 'image dockyard/app:1'), in cleanup's words."""
        return [f"{kind} {name}" for kind, name, _ in self.entries(images)]


def course(client: docker.DockerClient, chapter: str | None = None) -> Course:
    return Course(client, chapter)
