"""Tidy plain-text tables for lesson cells (plain text so nbval can compare them)."""

from __future__ import annotations

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
