"""What of the course is on the engine: labelled containers, networks and volumes, and the course's
dangling images. Taken before and after each notebook, it names what a notebook left behind."""

from __future__ import annotations

import docker

from dockyard import listing
from dockyard.checks import read
from dockyard.labels import LABEL


def take(client: docker.DockerClient, chapter: str | None = None) -> dict[str, str]:
    """Each labelled resource as 'kind name', with the chapter label it carries: every chapter's, or
    one chapter's where others may run at the same time."""
    # A tagged image is kept on purpose; one that lost its tag to a rebuild is a leftover.
    return {f"{'dangling image' if kind == 'image' else kind} {name}": read.labels(resource).get(LABEL, "")
            for kind, name, resource in listing.course(client, chapter).entries(images="dangling")}


def left_by(client: docker.DockerClient, before: dict[str, str],
            chapter: str | None = None) -> dict[str, str]:
    """What appeared since `before` and is still there."""
    now = take(client, chapter)
    return {what: chapter for what, chapter in now.items() if what not in before}
