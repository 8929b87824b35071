"""The one label every course resource carries, and how to select by it."""

LABEL = "dockyard.chapter"


def labels(chapter: str) -> dict[str, str]:
    """Labels for a resource the given chapter creates."""
    return {LABEL: chapter}


def selector(chapter: str | None = None) -> dict[str, list[str]]:
    """A docker API filter for the course's resources, or one chapter's."""
    return {"label": [f"{LABEL}={chapter}" if chapter else LABEL]}
