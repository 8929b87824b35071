"""The bundled sample app, built once and shared by the chapters that only need to run it."""

from __future__ import annotations

from pathlib import Path

import docker
from docker.errors import ImageNotFound

from dockyard.labels import labels
from dockyard.names import claim

SAMPLE_APP = Path(__file__).resolve().parent.parent / "sample-app"
SAMPLE_IMAGE = "dockyard/sample-app:latest"


def sample_image(client: docker.DockerClient, tag: str = SAMPLE_IMAGE) -> docker.models.images.Image:
    """The sample app's image, built from sample-app/ if it is not there yet."""
    claim(client, "image", tag)  # never hand out, or rebuild over, a learner's own image of that name
    try:
        return client.images.get(tag)
    except ImageNotFound:
        pass
    image, _ = client.images.build(
        path=str(SAMPLE_APP), tag=tag, labels=labels("sample-app"), forcerm=True, pull=False
    )
    return image
