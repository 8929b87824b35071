"""The engine's image store: the classic one (overlay2 and the other graph drivers) or the containerd
image store that Docker Desktop 4.34+ and new installs of Engine 29 use. The two name and keep images
differently: on the classic store an image's ID is the digest of its configuration; on the containerd
store it is the digest of the image's index or manifest, and BuildKit adds a provenance attestation
to each build's index, so a build that every step takes from the cache still gets an ID of its own."""

from __future__ import annotations

import docker

CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1"


def uses_containerd(info: dict) -> bool:
    """True when `docker info` (client.info()) describes an engine on the containerd image store."""
    pairs = dict(tuple(pair) for pair in info.get("DriverStatus") or [] if len(pair) == 2)
    return pairs.get("driver-type") == CONTAINERD_SNAPSHOTTER


def image_store(client: docker.DockerClient) -> str:
    """"containerd" or "classic": the image store the engine uses."""
    return "containerd" if uses_containerd(client.info()) else "classic"


def same_content(image, other) -> bool:
    """The two images have the same layers and the same configuration: the same build, whichever store
    keeps them (the classic store gives them one ID; the containerd store gives each build an ID)."""
    return (image.attrs["RootFS"].get("Layers") == other.attrs["RootFS"].get("Layers")
            and image.attrs["Config"] == other.attrs["Config"])


def unpacked_size(image) -> int:
    """The bytes an image's layers take unpacked, the same measure on either store: the sum of its
    history's sizes. On the classic store that is the image's `Size`; the containerd store's `Size`
    counts the compressed content it keeps, and its history the disk space of each layer's snapshot."""
    return sum(entry["Size"] for entry in image.history())
