"""A learner's own resources, planted unlabelled before a test run to prove the course leaves them be."""

from __future__ import annotations

from dataclasses import dataclass

import docker

from dockyard import listing
from dockyard.names import find

NAME = "dockyard-test-learner-{kind}"
# Not the course label: to the course these are the learner's. This mark only lets the next run
# clear what an interrupted run planted.
MARK = {"dockyard.test-learner": "1"}
BASE = "debian:bookworm-slim"


@dataclass
class LearnerResources:
    client: docker.DockerClient
    ids: dict[str, str]

    @classmethod
    def plant(cls, client: docker.DockerClient) -> LearnerResources:
        """Create a running container, network, volume and image tag, none with the course label."""
        _remove_stale(client)
        ids = {}
        network = client.networks.create(NAME.format(kind="network"), labels=MARK)
        ids["network"] = network.id
        ids["volume"] = client.volumes.create(NAME.format(kind="volume"), labels=MARK).id
        client.images.get(BASE).tag(NAME.format(kind="image"), "1")
        ids["image"] = client.images.get(f"{NAME.format(kind='image')}:1").id
        container = client.containers.run(
            BASE, ["sleep", "infinity"], name=NAME.format(kind="container"), detach=True, init=True,
            network=network.name, volumes={ids["volume"]: {"bind": "/data"}}, labels=MARK,
        )
        ids["container"] = container.id
        return cls(client, ids)

    def problems(self) -> list[str]:
        """What happened to the learner's resources that should not have."""
        found = []
        current = self._lookup()
        for kind, resource in current.items():
            if resource is None:
                found.append(f"the learner's {kind} is gone")
            elif resource.id != self.ids[kind]:
                found.append(f"the learner's {kind} name now points at another {kind}")
        container = current["container"]
        if container is not None and container.status != "running":
            found.append(f"the learner's container is {container.status}, not running")
        return found

    def remove(self) -> None:
        """Remove exactly what plant() made (matched by ID), whatever state it is in."""
        found = self._lookup()
        if found["container"] is not None and found["container"].id == self.ids["container"]:
            found["container"].remove(force=True)
        if found["network"] is not None and found["network"].id == self.ids["network"]:
            found["network"].remove()
        if found["volume"] is not None:
            found["volume"].remove()
        if found["image"] is not None and found["image"].id == self.ids["image"]:
            self.client.images.remove(f"{NAME.format(kind='image')}:1")

    def _lookup(self) -> dict:
        """Each planted resource as its name finds it now (None where nothing has the name)."""
        names = {kind: NAME.format(kind=kind) for kind in ("container", "network", "volume")}
        names["image"] = NAME.format(kind="image") + ":1"
        return {kind: find(self.client, kind, name) for kind, name in names.items()}


def _remove_stale(client: docker.DockerClient) -> None:
    marked = {"label": list(MARK)}
    for container in listing.containers(client, marked):
        container.remove(force=True)
    for network in client.networks.list(filters=marked):
        network.remove()
    for volume in client.volumes.list(filters=marked):
        volume.remove()
