"""Reading a learner's engine for a check: every reader answers None or empty when the thing is missing.

Checks only read. The one exception is a volume's contents, which the engine shows only to a
container: `volume_files` runs a throwaway read-only container, labelled as the checker's and
removed at once; it never writes to the volume.
"""

from __future__ import annotations

import io
import tarfile

import docker
import requests
from docker.errors import APIError, ImageNotFound, NotFound

from dockyard.labels import LABEL
from dockyard.names import find

READER_IMAGE = "debian:bookworm-slim"
CHECKER = "checks"


def container(client: docker.DockerClient, name: str):
    return find(client, "container", name)


def image(client: docker.DockerClient, tag: str):
    try:
        return client.images.get(tag)
    except (ImageNotFound, NotFound, APIError):
        return None


def network(client: docker.DockerClient, name: str):
    return find(client, "network", name)


def volume(client: docker.DockerClient, name: str):
    return find(client, "volume", name)


def labels(resource) -> dict:
    """A container's, image's, network's or volume's labels ({} when it is missing)."""
    if resource is None:
        return {}
    # Containers and images have .labels; networks and volumes keep theirs only in attrs.
    found = getattr(resource, "labels", None)
    return found if found is not None else (resource.attrs.get("Labels") or {})


def chapter_label(resource) -> str | None:
    return labels(resource).get(LABEL)


def config(resource) -> dict:
    """An image's or container's Config block ({} when it is missing)."""
    return (resource.attrs.get("Config") or {}) if resource is not None else {}


def status(found) -> str | None:
    if found is None:
        return None
    found.reload()
    return found.status


def published(found, port: str) -> list[tuple[str, str]]:
    """(host ip, host port) pairs a container publishes `port` ("5000/tcp") on."""
    if found is None:
        return []
    found.reload()
    bindings = (found.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(port) or []
    return [(b["HostIp"], b["HostPort"]) for b in bindings]


def networks_of(found) -> list[str]:
    if found is None:
        return []
    found.reload()
    return sorted((found.attrs.get("NetworkSettings", {}).get("Networks") or {}).keys())


def health(found) -> str | None:
    if found is None:
        return None
    found.reload()
    return ((found.attrs.get("State") or {}).get("Health") or {}).get("Status")


def http_body(url: str, timeout: float = 3) -> tuple[int | None, str]:
    """(status code, body) of a GET, or (None, why it failed)."""
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as error:
        return None, type(error).__name__
    return response.status_code, response.text.strip()


def volume_files(client: docker.DockerClient, name: str) -> dict[str, str] | None:
    """Each file in a volume (path relative to its root) with its text, or None without the volume.

    The files come out as a tar stream, so binary files (a database's) arrive intact; their text is
    decoded with replacement characters.
    """
    if volume(client, name) is None:
        return None
    archive = client.containers.run(
        READER_IMAGE, ["tar", "-C", "/v", "-cf", "-", "."], remove=True, network_disabled=True,
        volumes={name: {"bind": "/v", "mode": "ro"}}, labels={LABEL: CHECKER},
    )
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {member.name.removeprefix("./"): tar.extractfile(member).read().decode(errors="replace")
                for member in tar.getmembers() if member.isfile()}
