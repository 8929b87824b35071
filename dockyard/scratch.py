"""A chapter's scratch folder: a fixed path, so the terminal track can name it in its commands."""

from __future__ import annotations

import shutil
from pathlib import Path

# /tmp exists on Linux, macOS and WSL alike, and a fixed name keeps every printed command pasteable.
ROOT = Path("/tmp")


def scratch(chapter: str) -> Path:
    """An empty folder /tmp/dockyard-<chapter>, cleared of what an earlier run left there."""
    folder = ROOT / f"dockyard-{chapter}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
