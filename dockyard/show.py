"""Tidy plain-text tables for lesson cells (plain text so nbval can compare them)."""

from __future__ import annotations

import re

from tabulate import tabulate


def table(rows: list[dict], columns: list[str] | None = None) -> None:
    """Print rows (dicts) as a table with the given columns, in order."""
    if not rows:
        print("(none)")
        return
    columns = columns or list(rows[0])
    print(tabulate([[row.get(c, "") for c in columns] for row in rows], headers=columns))


def size(num_bytes: float) -> str:
    """Bytes as the docker CLI shows them (decimal units)."""
    for unit in ("B", "kB", "MB", "GB"):
        if num_bytes < 1000:
            return f"{num_bytes:.1f}{unit}" if unit != "B" else f"{num_bytes:.0f}B"
        num_bytes /= 1000
    return f"{num_bytes:.1f}TB"


def verified(holds: object, claim: str) -> None:
    """A claim's check, in one line: print `verified: CLAIM` when `holds` is true; raise AssertionError
    saying what was not verified when it is false."""
    if not holds:
        raise AssertionError(f"NOT verified: {claim}")
    print("verified:", claim)


# The statuses a layer's line ends with once a push or a pull is done with it.
FINAL = {"Pushed", "Layer already exists", "Pull complete", "Already exists"}


def _done_order(status: str) -> int:
    """Layers the other side already had first, then those that travelled."""
    return 1 if status in ("Pushed", "Pull complete") else 0


def transfer(events) -> tuple[dict[str, str], list[str]]:
    """A push's or a pull's stream of events (the SDK's `stream=True, decode=True`), printed as the
    terminal's screen ends: the terminal redraws each layer's line in place, so this prints each layer
    once, with its last status, between the first line and the others. The layers the other side already
    had come first, then those that travelled: the containerd image store sends layers at once, so the
    order they finish in changes from one run to the next. Returns each layer's last status, and the
    other lines (an error among them)."""
    layers, lines = {}, []
    for event in events:
        if "error" in event:
            lines.append(event["error"])
        elif re.fullmatch(r"[0-9a-f]{12}", event.get("id", "")):
            layers.setdefault(event["id"], []).append(event["status"])
        elif "status" in event:
            prefix = f"{event['id']}: " if "id" in event else ""
            lines.append(prefix + event["status"])
    done = {layer: seen[-1] for layer, seen in layers.items() if seen[-1] in FINAL or "Mounted" in seen[-1]}
    shown = sorted(done.items(), key=lambda item: _done_order(item[1]))
    print(*lines[:1], *(f"{layer}: {status}" for layer, status in shown), *lines[1:], sep="\n")
    return done, lines
