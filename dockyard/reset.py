"""`python -m dockyard reset`: remove the course's resources (labelled, or named as an exercise task names
them), say what went and what stayed.

It works on the engine only: the learner's progress file and the count of hints shown beside it
(dockyard.progress) stay as they are, whatever chapter is reset.
"""

from __future__ import annotations

import docker

from dockyard import listing
from dockyard.cleanup import cleanup
from dockyard.labels import LABEL


def planned(client: docker.DockerClient, chapter: str | None = None, images: bool = False) -> list[str]:
    """What cleanup(chapter, images) would remove, in its words, removing nothing."""
    return listing.course(client, chapter).names(images="all" if images else None)


def untouched(client: docker.DockerClient, chapter: str | None = None) -> dict[str, int]:
    """How many containers, networks, volumes and images the reset does not select."""
    selected = listing.course(client, chapter)
    return {kind: len({item.id for item in lister(client)} - {item.id for item in getattr(selected, kind)})
            for kind, lister in (("containers", listing.containers), ("networks", listing.networks),
                                 ("volumes", listing.volumes), ("images", listing.images))}


def reset(client: docker.DockerClient, chapter: str | None = None, images: bool = False,
          dry_run: bool = False) -> list[str]:
    """Remove (or, dry, list) the labelled resources; return one line for each."""
    if dry_run:
        return [f"would remove {what}" for what in planned(client, chapter, images)]
    return [f"removed {what}" for what in cleanup(client, chapter, images=images)]


def summary(client: docker.DockerClient, chapter: str | None = None, images: bool = False,
            dry_run: bool = False) -> str:
    """The closing sentence: what was selected, and everything else that was left as it was."""
    label = f"{LABEL}={chapter}" if chapter else LABEL
    task = chapter or "exNN"
    names = (f" and the names the exercise tasks give (dockyard-{task}-…, dockyard/{task}-…)"
             if listing.exercise_names(chapter) else "")
    counts = list(untouched(client, chapter).items())
    said = [f"{number} {kind if number != 1 else kind[:-1]}" for kind, number in counts]
    listed = ", ".join(said[:-1]) + f" and {said[-1]}"
    if dry_run:
        told = f"Nothing else would be touched: {listed} outside that selection would stay as they were."
    else:
        told = f"Nothing else was touched: {listed} outside that selection are as they were."
    kept = "The images it built stay (--images removes them); " if not images else ""
    return (f"Selected by the label {label}{names} only. {told} {kept}"
            f"{'t' if kept else 'T'}he images the course only uses (python:3.11-slim and the rest of its "
            f"manifest) are never removed.")
