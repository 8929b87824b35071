"""What the main engine holds, before and after a rehearsal: the rehearsal must leave it as it was."""

from __future__ import annotations

import docker

from dockyard import listing
from dockyard.labels import LABEL
from tests.support.learner import MARK

MAIN_HOST = "unix:///var/run/docker.sock"


def _ours_elsewhere(labels: dict | None) -> bool:
    """Resources that test runs on the main engine create and remove while a rehearsal runs: the
    course's (labelled) and the learner's resources a test run plants. They may legitimately come and
    go, so they are not compared; everything else must be exactly as it was."""
    labels = labels or {}
    return LABEL in labels or any(key in labels for key in MARK)


def take(host: str = MAIN_HOST) -> dict[str, set[str]]:
    client = docker.DockerClient(base_url=host, timeout=60)
    try:
        return {
            "containers": {f"{c.name} {c.id[:12]}" for c in listing.containers(client)
                           if not _ours_elsewhere(c.labels)},
            "networks": {f"{n.name} {n.id[:12]}" for n in listing.networks(client)
                         if not _ours_elsewhere(n.attrs.get("Labels"))},
            "volumes": {v.name for v in listing.volumes(client)
                        if not _ours_elsewhere(v.attrs.get("Labels"))},
            "images": {i.id for i in listing.images(client) if not _ours_elsewhere(i.labels)},
        }
    finally:
        client.close()


def differences(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    found = []
    for kind in before:
        found += [f"{kind}: {item} is gone" for item in sorted(before[kind] - after[kind])]
        found += [f"{kind}: {item} is new" for item in sorted(after[kind] - before[kind])]
    return found
