"""The learner's progress: each passed exercise check, with its time, in a small JSON file at home.

DOCKYARD_PROGRESS names another file (the test suite points it at a temporary one). Beside it,
`hints.json` counts how many hints of each task the learner has been shown, so that each failed check
(or `dockyard.hint`) shows the next one; the progress file itself keeps its format, a list of passes.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

HINTS = "hints.json"


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


# Hints shown ------------------------------------------------------------------------------------

def hints_path() -> Path | None:
    """hints.json in the progress file's folder; None when progress goes to a device such as /dev/null,
    which keeps nothing: then no count is kept either, and every failed check shows the first hint."""
    progress = path()
    if progress == Path(os.devnull) or progress.is_char_device():
        return None
    return progress.with_name(HINTS)


def hints_shown() -> dict[str, int]:
    """How many hints of each task have been shown: {"ex04-4": 2, ...}; {} without a readable file."""
    where = hints_path()
    try:
        counts = json.loads(where.read_text()) if where else {}
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    if not isinstance(counts, dict):
        return {}
    return {task: shown for task, shown in counts.items() if isinstance(shown, int) and shown > 0}


def next_hint(task_id: str, total: int) -> int:
    """Count one more hint of `task_id` as shown and return its number, 1 to `total`: the first call
    gives 1, the next 2, and so on; once all `total` are shown it stays on the last."""
    counts = hints_shown()
    number = min(counts.get(task_id, 0) + 1, total)
    counts[task_id] = number
    _write_hints(counts)
    return number


def forget_hints(task_id: str) -> None:
    """Start the hints of `task_id` over: its next hint is the first again."""
    counts = hints_shown()
    if counts.pop(task_id, None) is not None:
        _write_hints(counts)


def _write_hints(counts: dict[str, int]) -> None:
    where = hints_path()
    if where is None:
        return
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(json.dumps(dict(sorted(counts.items())), indent=1))
