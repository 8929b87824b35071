"""The learner's progress: each passed exercise check, with its time, in a small JSON file at home.

DOCKYARD_PROGRESS names another file (the test suite points it at a temporary one).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path


def path() -> Path:
    return Path(os.environ.get("DOCKYARD_PROGRESS") or Path.home() / ".dockyard" / "progress.json")


def load() -> list[dict]:
    try:
        return json.loads(path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []


def record(task_id: str) -> None:
    """Add (or refresh) a passed task: chapter, task and when."""
    chapter = task_id.split("-")[0]
    entries = [entry for entry in load() if entry["task"] != task_id]
    entries.append({"chapter": chapter, "task": task_id,
                    "passed_at": datetime.now(UTC).isoformat(timespec="seconds")})
    path().parent.mkdir(parents=True, exist_ok=True)
    path().write_text(json.dumps(sorted(entries, key=lambda e: e["task"]), indent=1))
