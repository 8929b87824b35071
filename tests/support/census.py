"""What of the course is on the engine: labelled containers, networks and volumes, and the course's
dangling images. Taken before and after each notebook, it names what a notebook left behind."""

from __future__ import annotations

import docker

from dockyard import listing
from dockyard.labels import LABEL, selector


def take(client: docker.DockerClient, chapter: str | None = None) -> dict[str, str]:
    """Each labelled resource as 'kind name', with the chapter label it carries: every chapter's, or
    one chapter's where others may run at the same time."""
    wanted = selector(chapter)
    found = {f"container {c.name}": c.labels.get(LABEL, "")
             for c in listing.containers(client, wanted)}
    found |= {f"network {n.name}": (n.attrs.get("Labels") or {}).get(LABEL, "")
              for n in client.networks.list(filters=wanted)}
    found |= {f"volume {v.name}": (v.attrs.get("Labels") or {}).get(LABEL, "")
              for v in client.volumes.list(filters=wanted)}
    found |= {f"dangling image {i.short_id}": i.labels.get(LABEL, "")
              for i in listing.images(client, {"dangling": True, **wanted})}
    return found


def left_by(client: docker.DockerClient, before: dict[str, str],
            chapter: str | None = None) -> dict[str, str]:
    """What appeared since `before` and is still there."""
    now = take(client, chapter)
    return {what: chapter for what, chapter in now.items() if what not in before}
