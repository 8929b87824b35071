"""The bundled sample app, built for the chapters that only need to run it."""

from __future__ import annotations

import docker

from dockyard.labels import LABEL
from dockyard.names import claim
from dockyard.shell import REPO, run

SAMPLE_APP = REPO / "sample-app"
SAMPLE_IMAGE = "dockyard/sample-app:latest"


def sample_image(client: docker.DockerClient, tag: str = SAMPLE_IMAGE) -> docker.models.images.Image:
    """The sample app's image, as sample-app/ is now.

    Built every time, with BuildKit as `docker build` does: when nothing changed the cache answers
    every step within about a second, and when the app changed the chapters never run a stale copy.
    """
    claim(client, "image", tag)  # never rebuild over a learner's own image of that name
    run(f"docker build -q --label {LABEL}=sample-app -t {tag} sample-app")
    # A rebuild after an app change leaves the previous build without a name: drop it, it is ours.
    client.images.prune(filters={"dangling": True, "label": f"{LABEL}=sample-app"})
    return client.images.get(tag)
