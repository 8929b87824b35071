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
    `--provenance=false` leaves out the record of the build that BuildKit attaches by default: it holds the
    build's time, so on the containerd image store every rebuild, even one the cache answered in full,
    would be a new image with a new ID, and a container started a moment before from the unchanged app
    would run "an earlier build" by the exercise checks.
    """
    claim(client, "image", tag)  # never rebuild over a learner's own image of that name
    before = _image_id(client, tag)
    run(f"docker build -q --provenance=false --label {LABEL}=sample-app -t {tag} sample-app")
    image = client.images.get(tag)
    if before and before != image.id:
        _drop_previous(client, before)
    return image


def _image_id(client: docker.DockerClient, tag: str) -> str | None:
    try:
        return client.images.get(tag).id
    except docker.errors.ImageNotFound:
        return None


def _drop_previous(client: docker.DockerClient, image_id: str) -> None:
    """Remove the build the tag named before an app change: it is ours, and now has no name. Removed by
    its ID rather than by `docker image prune`, which the engine runs one at a time (a second prune fails
    with "a prune operation is already running"). Kept when something still uses it: a container, or a
    tag given since."""
    try:
        client.images.remove(image_id)
    except docker.errors.APIError:
        pass
