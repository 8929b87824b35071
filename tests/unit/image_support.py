"""Test images: on the debian stand-in, built with the real BuildKit CLI and labelled for cleanup; or
of one small file, imported, for a registry to store in a moment."""

import io
import tarfile

import dockyard

BASE = "debian:bookworm-slim"


def build(unique: str, tag: str, lines: str) -> None:
    """Build `FROM BASE` plus the given Dockerfile lines from stdin, labelled with `unique`."""
    dockyard.build(f"docker build --progress=plain --label dockyard.chapter={unique} -t {tag} - <<'EOF'\n"
                   f"FROM {BASE}\n{lines}\nEOF", show=False)


def one_file(text: str) -> bytes:
    """A tar of one file, hello.txt, holding `text`: what `docker import` makes a one-layer image of."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = f"{text}\n".encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return data.getvalue()
