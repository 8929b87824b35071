"""What a recorded notebook run leaves for tests/final: the learner's resources it planted, the
ports it held, and what its safety recorders saw.

`make test` runs the notebooks on two pytest workers and tests/final after them, in another pytest
run; these small JSON files carry what the checks need from one to the other.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.shell import REPO


def folder() -> Path:
    return Path(os.environ.get("DOCKYARD_RUN_RECORD", REPO / "_build" / "test-run"))


def begin() -> None:
    """Forget the previous run's record."""
    shutil.rmtree(folder(), ignore_errors=True)
    folder().mkdir(parents=True)


def write(name: str, data) -> None:
    (folder() / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True))


def read(name: str):
    """The named part of the record, or None where the run wrote none."""
    path = folder() / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


@dataclass
class SafetyRecord:
    """What the recorders of every worker saw, together."""

    seen: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)


def write_safety(worker: str, recorder) -> None:
    write(f"safety-{worker}", {"seen": recorder.seen, "vanished": recorder.vanished,
                               "findings": recorder.findings})


def read_safety() -> SafetyRecord | None:
    parts = [json.loads(path.read_text()) for path in sorted(folder().glob("safety-*.json"))]
    if not parts:
        return None
    # Every worker's recorder follows the whole engine, so most containers are in each part.
    seen = {name for part in parts for name in part["seen"]}
    vanished = {name for part in parts for name in part["vanished"]} - seen
    findings = {name: broken for part in parts for name, broken in part["findings"].items()}
    return SafetyRecord(sorted(seen), sorted(vanished), findings)
