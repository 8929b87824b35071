"""The room's offline bundle: every manifest image in one archive, with its checksum, to load anywhere.

`save` writes three files into a folder (a USB stick, a share on the room's file server):

    dockyard-images.tar          the images, as `docker save` writes them (shared layers stored once)
    dockyard-images.tar.sha256   its SHA-256, in the format `sha256sum -c` reads
    dockyard-images.json         what it holds: each image's name, ID, architecture, official or stand-in

`load` checks the size and the checksum before it sends a single byte to the engine, so a truncated
or corrupt copy loads nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import docker
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from dockyard import disk, images, inventory
from dockyard.errors import CourseError

ARCHIVE = "dockyard-images.tar"
CHECKSUM = ARCHIVE + ".sha256"
CONTENTS = "dockyard-images.json"
CHUNK = 2 * 1024 * 1024


class BundleRefused(CourseError):
    """The bundle is missing, incomplete, corrupt, or would replace images the engine already has."""


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn())


def save(client: docker.DockerClient, folder: Path, names: list[str] | None = None) -> dict:
    """Write the named images (default: the whole manifest) into folder; return what it holds."""
    names = names or [image.name for image in images.manifest()]
    states = [inventory.state(client, name) for name in names]
    missing = [s.name for s in states if not s.present]
    if missing:
        raise BundleRefused(f"These images are not on this engine, so they cannot be saved: "
                            f"{', '.join(missing)}.\nPrepare them first: python -m dockyard images prepare")
    expected = inventory.unique_size(states)
    folder.mkdir(parents=True, exist_ok=True)
    disk.ensure_folder_room(folder, int(expected * 1.05) + 10 * disk.MB, "save the images")
    partial = folder / (ARCHIVE + ".partial")
    digest = hashlib.sha256()
    written = 0
    with _progress() as bar, partial.open("wb") as out:
        task = bar.add_task(f"saving {len(names)} image(s)", total=expected)
        for chunk in _save_stream(client, names):
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            bar.update(task, completed=min(written, expected))
        bar.update(task, total=written, completed=written)
    os.replace(partial, folder / ARCHIVE)
    (folder / CHECKSUM).write_text(f"{digest.hexdigest()}  {ARCHIVE}\n")
    contents = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": client.version().get("Version", ""),
        "bytes": written,
        "sha256": digest.hexdigest(),
        "images": [{"name": s.name, "id": s.id, "arch": s.arch, "origin": s.origin, "size": s.size}
                   for s in states],
    }
    (folder / CONTENTS).write_text(json.dumps(contents, indent=1) + "\n")
    return contents


def _save_stream(client: docker.DockerClient, names: list[str]) -> Iterator[bytes]:
    """`docker save NAME...` as a stream: GET /images/get?names=... (the SDK's get_image takes one)."""
    api = client.api
    response = api._get(api._url("/images/get"), params={"names": names}, stream=True)
    yield from api._stream_raw_result(response, CHUNK, False)


def locate(path: Path) -> Path:
    """The archive, given it or the folder that holds it."""
    archive = path / ARCHIVE if path.is_dir() else path
    if not archive.exists():
        raise BundleRefused(f"No bundle at {path}: expected {ARCHIVE} there (written by "
                            f"`python -m dockyard images save FOLDER`).")
    return archive


def verify(archive: Path) -> dict:
    """Check the archive against its checksum file (and its recorded size); return its contents file."""
    checksum_file = archive.with_name(archive.name + ".sha256")
    if not checksum_file.exists():
        raise BundleRefused(f"{archive} has no checksum file beside it ({checksum_file.name}), so it cannot "
                            f"be verified. Copy the whole folder again. Nothing was loaded.")
    fields = checksum_file.read_text().split()
    if len(fields) < 2 or len(fields[0]) != 64:
        raise BundleRefused(f"{checksum_file} is not a sha256sum line. Copy the folder again. "
                            f"Nothing was loaded.")
    contents_file = archive.with_name(CONTENTS)
    contents = json.loads(contents_file.read_text()) if contents_file.exists() else {}
    size = archive.stat().st_size
    if contents.get("bytes") and size != contents["bytes"]:
        raise BundleRefused(
            f"{archive.name} holds {size:,} bytes but was saved with {contents['bytes']:,}: the copy is "
            f"{'truncated' if size < contents['bytes'] else 'longer than the original'}. Copy it again "
            f"(and eject the USB stick only when the copy has finished). Nothing was loaded.")
    digest = hashlib.sha256()
    with _progress() as bar, archive.open("rb") as source:
        task = bar.add_task("verifying checksum", total=size)
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            bar.advance(task, len(chunk))
    if digest.hexdigest() != fields[0]:
        raise BundleRefused(
            f"{archive.name} does not match its checksum: the copy is corrupt or incomplete. Copy it again "
            f"from the original. Nothing was loaded.\n"
            f"  expected {fields[0]}\n  found    {digest.hexdigest()}")
    return contents


def conflicts(client: docker.DockerClient, contents: dict) -> list[str]:
    """Names the engine already gives to another image than the bundle's."""
    found = []
    for entry in contents.get("images", []):
        here = inventory.state(client, entry["name"])
        if here.present and entry.get("id") and here.id != entry["id"]:
            found.append(f"{entry['name']} (here: {here.origin}; in the bundle: {entry.get('origin', '?')})")
    return found


def load(client: docker.DockerClient, path: Path, replace: bool = False) -> list[str]:
    """Verify, then load the bundle into the engine; return the names it loaded."""
    archive = locate(path)
    contents = verify(archive)
    clashes = conflicts(client, contents)
    if clashes and not replace:
        raise BundleRefused(
            "This engine already has other images under these names: " + ", ".join(clashes) + ".\n"
            "Loading would move the names to the bundle's images. The engine has these images already, so "
            "you may simply not load; or pass --replace to load anyway. Nothing was loaded.")
    size = archive.stat().st_size
    disk.ensure_engine_room(client, int(size * 1.1), "load the images")
    loaded = []
    with _progress() as bar:
        task = bar.add_task("loading into the engine", total=size)
        for message in client.api.load_image(_read(archive, bar, task)):
            if "error" in message or "errorDetail" in message:
                detail = message.get("error") or message["errorDetail"].get("message", "")
                raise BundleRefused(f"The engine refused the archive: {detail}")
            line = message.get("stream", "").strip()
            if line.startswith("Loaded image"):
                loaded.append(line.split(": ", 1)[-1])
    return loaded


def _read(archive: Path, bar: Progress, task) -> Iterator[bytes]:
    with archive.open("rb") as source:
        while chunk := source.read(CHUNK):
            bar.advance(task, len(chunk))
            yield chunk
