"""What every exercise-check test module needs: the failed conditions of a task, and a clean slate."""

import docker

import dockyard
from dockyard.checks import evaluate


def failed(client, task_id) -> list[str]:
    """The labels of the conditions of `task_id` that fail on the engine now."""
    return [item.label for item in evaluate(client, task_id).failed]


def failures(client, task_id) -> list[str]:
    """The failing conditions of `task_id` with what was found: a right answer's test shows them."""
    return [f"{item.label}: found {item.found}, expected {item.expected}"
            for item in evaluate(client, task_id).failed]


def tidy(client, chapter: str, checked_tags: list[str]) -> None:
    """Remove the chapter's containers and untag the tags its checks read (variants keep their own tags)."""
    dockyard.cleanup(client, chapter)
    for tag in checked_tags:
        try:
            client.images.remove(tag)  # every variant keeps its own tag: this only untags
        except docker.errors.ImageNotFound:
            pass
