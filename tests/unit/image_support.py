"""Test images on the debian stand-in, built with the real BuildKit CLI and labelled for cleanup."""

import dockyard

BASE = "debian:bookworm-slim"


def build(unique: str, tag: str, lines: str) -> None:
    """Build `FROM BASE` plus the given Dockerfile lines from stdin, labelled with `unique`."""
    dockyard.build(f"docker build --progress=plain --label dockyard.chapter={unique} -t {tag} - <<'EOF'\n"
                   f"FROM {BASE}\n{lines}\nEOF", show=False)
