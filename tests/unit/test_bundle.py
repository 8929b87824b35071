"""`images save` and `images load` on the real engine: checksums, refusals that load nothing, disk checks."""

import hashlib
import json
import subprocess
import time

import pytest
from cli_support import dockyard
from docker.errors import ImageNotFound
from image_support import buildkit

from dockyard import bundle, disk, inventory
from dockyard.labels import labels


@pytest.fixture
def own_image(client, unique):
    """A small image of the test's own (debian:bookworm-slim and a label), removed afterwards."""
    tag = f"dockyard/{unique}:1"
    made = []

    def build(value: str = "1"):
        dockerfile = f"FROM debian:bookworm-slim\nLABEL unit.value={value}"
        image = buildkit(client, dockerfile, labels(unique), tag=tag)
        made.append(image.id)
        return image

    yield tag, build
    for image_id in made:
        try:
            client.images.remove(image_id, force=True)
        except ImageNotFound:
            pass


def loads_of(client, image_id: str, since: float) -> list[dict]:
    """The engine's `load` events for this image since then."""
    events = client.events(since=int(since) - 1, until=int(time.time()) + 1,
                           filters={"type": "image", "event": "load"}, decode=True)
    return [event for event in events if event.get("id") == image_id]


def test_save_writes_the_archive_its_checksum_and_what_it_holds(client, tmp_path):
    dockyard("images", "save", "--only", "redis:7", str(tmp_path))
    archive = tmp_path / bundle.ARCHIVE
    checked = subprocess.run(["sha256sum", "-c", bundle.CHECKSUM], cwd=tmp_path, capture_output=True,
                             text=True)
    assert checked.returncode == 0 and f"{bundle.ARCHIVE}: OK" in checked.stdout
    contents = json.loads((tmp_path / bundle.CONTENTS).read_text())
    assert contents["bytes"] == archive.stat().st_size
    assert contents["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    [entry] = contents["images"]
    here = inventory.state(client, "redis:7")
    assert entry == {"name": "redis:7", "id": here.id, "arch": here.arch, "origin": here.origin,
                     "size": here.size}
    assert not list(tmp_path.glob("*.partial"))


def test_load_refuses_a_truncated_or_corrupt_archive_and_loads_nothing(client, own_image, tmp_path):
    tag, build = own_image
    image = build()
    bundle.save(client, tmp_path / "good", [tag])
    client.images.remove(tag)
    original = (tmp_path / "good" / bundle.ARCHIVE).read_bytes()
    started = time.time()

    def refused(name: str, data: bytes, expected: str, keep_contents: bool = True):
        folder = tmp_path / name
        folder.mkdir()
        (folder / bundle.ARCHIVE).write_bytes(data)
        (folder / bundle.CHECKSUM).write_text((tmp_path / "good" / bundle.CHECKSUM).read_text())
        if keep_contents:
            (folder / bundle.CONTENTS).write_text((tmp_path / "good" / bundle.CONTENTS).read_text())
        done = dockyard("images", "load", str(folder), ok=False)
        assert expected in done.stderr and "Nothing was loaded." in done.stderr
        assert "Traceback" not in done.stderr
        assert not inventory.state(client, tag).present

    refused("truncated", original[: len(original) // 2], "the copy is truncated")
    refused("truncated-no-contents", original[:-1024], "does not match its checksum", keep_contents=False)
    flipped = bytearray(original)
    flipped[len(flipped) // 3] ^= 0xFF
    refused("corrupt", bytes(flipped), "does not match its checksum")
    assert loads_of(client, image.id, started) == []

    done = dockyard("images", "load", str(tmp_path / "good" / bundle.ARCHIVE))
    assert f"loaded {tag}" in done.stdout
    assert inventory.state(client, tag).id == image.id
    assert len(loads_of(client, image.id, started)) == 1


def test_load_refuses_an_archive_without_its_checksum_file(client, own_image, tmp_path):
    tag, build = own_image
    build()
    bundle.save(client, tmp_path, [tag])
    (tmp_path / bundle.CHECKSUM).unlink()
    assert "has no checksum file" in dockyard("images", "load", str(tmp_path), ok=False).stderr


def test_load_will_not_move_a_name_to_another_image_unless_told(client, own_image, tmp_path):
    tag, build = own_image
    saved = build("saved")
    bundle.save(client, tmp_path, [tag])
    newer = build("newer")  # the engine's tag now names another image than the bundle's
    done = dockyard("images", "load", str(tmp_path), ok=False)
    assert "already has other images under these names" in done.stderr and tag in done.stderr
    assert inventory.state(client, tag).id == newer.id
    dockyard("images", "load", "--replace", str(tmp_path))
    assert inventory.state(client, tag).id == saved.id


def test_save_refuses_an_image_the_manifest_does_not_list(tmp_path):
    done = dockyard("images", "save", "--only", "hello-world:latest", str(tmp_path), ok=False)
    assert "not in the manifest" in done.stderr
    assert not (tmp_path / bundle.ARCHIVE).exists()


def test_images_sharing_a_base_save_it_once_and_load_back(client, tmp_path):
    # Two of the manifest's images, one built on the other's base (redis:7 on debian:bookworm-slim): the
    # archive stores their shared layers once. The whole set's save and load are timed by `make bench`.
    names = ["debian:bookworm-slim", "redis:7"]
    dockyard("images", "save", "--only", names[0], "--only", names[1], str(tmp_path))
    contents = json.loads((tmp_path / bundle.CONTENTS).read_text())
    assert [entry["name"] for entry in contents["images"]] == names
    assert contents["bytes"] < sum(entry["size"] for entry in contents["images"])
    done = dockyard("images", "load", str(tmp_path))
    assert all(f"loaded {name}" in done.stdout for name in names)


def test_not_enough_room_is_refused_with_how_much_is_missing(client, tmp_path):
    with pytest.raises(disk.NotEnoughDisk, match=r"short") as refused:
        disk.ensure_folder_room(tmp_path / "new" / "folder", 10**18, "save the images")
    assert "needs about" in str(refused.value)
    with pytest.raises(disk.NotEnoughDisk, match=r"the engine has .* free, .* short"):
        disk.ensure_engine_room(client, 10**17, "load the images")
    disk.ensure_engine_room(client, 1, "load the images")  # enough: no complaint


def test_unique_size_counts_a_shared_base_once(client):
    base = inventory.state(client, "debian:bookworm-slim")
    on_top = inventory.state(client, "redis:7")
    assert on_top.layers[: len(base.layers)] == base.layers
    assert inventory.unique_size([base, on_top]) == on_top.size
