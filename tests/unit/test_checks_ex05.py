"""The Volumes checks: wrong or missing work fails by its condition; the right work passes."""

import shutil
import time
from pathlib import Path

import pytest
from exercise_support import failed

import dockyard

pytestmark = pytest.mark.chapter_lock("ex05")  # ex05's state on the engine is this test's alone
LABELS = {"dockyard.chapter": "ex05"}
IMAGE = "debian:bookworm-slim"
CONFIG = Path("/tmp/dockyard-ex05/config")
FILES = ("mkdir /data/logs /data/config; echo 'first note' > /data/notes.txt; "
         "echo 'app started' > /data/logs/app.log; echo 'mode=production' > /data/config/app.conf")
APPEND = "cat /config/app.conf; echo changed >> /config/app.conf"
EMPTY = {
    "ex05-1": "volume dockyard-ex05-1-data exists",
    "ex05-2": "container dockyard-ex05-2-reader exists",
    "ex05-3": "volume dockyard-ex05-3-restored exists",
    "ex05-4": "container dockyard-ex05-4-redis exists",
}


@pytest.fixture(autouse=True)
def clean(client):
    dockyard.cleanup(client, "ex05")
    yield
    dockyard.cleanup(client, "ex05")


@pytest.fixture
def config():
    shutil.rmtree(CONFIG.parent, ignore_errors=True)
    CONFIG.mkdir(parents=True)
    (CONFIG / "app.conf").write_text("mode=production\n")
    yield CONFIG
    shutil.rmtree(CONFIG.parent, ignore_errors=True)


def ran(client, command, name=None, image=IMAGE, labels=LABELS, **options):
    """Run a container to its end; keep it when it has a name, remove it otherwise."""
    container = client.containers.run(image, command, name=name, labels=labels, detach=True, **options)
    container.wait(timeout=60)
    if name is None:
        container.remove(v=True)
    return container


def mounted(volume, path="/data", mode="rw"):
    return {volume: {"bind": path, "mode": mode}}


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex05-1: a note in a named volume

def test_ex05_1_rejects_a_note_written_into_the_containers_own_layer(client):
    client.volumes.create("dockyard-ex05-1-data", labels=LABELS)
    ran(client, ["sh", "-c", "echo 'kept in a volume' > /notes.txt"], "dockyard-ex05-1-writer")
    assert failed(client, "ex05-1") == ["notes.txt in the volume reads: kept in a volume",
                                        "it mounts the volume dockyard-ex05-1-data at /data"]


def test_ex05_1_rejects_an_unlabelled_volume_and_a_failing_writer(client):
    try:  # docker run -v creates the volume on the fly, without the label
        ran(client, ["sh", "-c", "echo 'kept' > /data/notes.txt; exit 1"], "dockyard-ex05-1-writer",
            volumes=mounted("dockyard-ex05-1-data"))
        assert failed(client, "ex05-1") == ["dockyard-ex05-1-data carries the label dockyard.chapter=ex05",
                                            "notes.txt in the volume reads: kept in a volume",
                                            "its exit code is 0"]
    finally:
        dockyard.cleanup(client, "ex05")
        client.volumes.get("dockyard-ex05-1-data").remove()


def test_ex05_1_accepts_the_note_in_the_volume(client):
    client.volumes.create("dockyard-ex05-1-data", labels=LABELS)
    ran(client, ["sh", "-c", "echo 'kept in a volume' > /data/notes.txt"], "dockyard-ex05-1-writer",
        volumes=mounted("dockyard-ex05-1-data"))
    assert failed(client, "ex05-1") == []


# ex05-2: a read-only bind mount

def test_ex05_2_rejects_a_read_write_mount(client, config):
    ran(client, ["sh", "-c", APPEND], "dockyard-ex05-2-reader", volumes=mounted(str(config), "/config"))
    assert failed(client, "ex05-2") == ["the mount at /config is read-only",
                                        "its output shows the write was refused: Read-only file system"]


def test_ex05_2_rejects_a_read_only_volume_in_place_of_the_host_folder(client, config):
    client.volumes.create("dockyard-ex05-2-config", labels=LABELS)
    ran(client, ["sh", "-c", APPEND], "dockyard-ex05-2-reader",
        volumes=mounted("dockyard-ex05-2-config", "/config", "ro"))
    assert failed(client, "ex05-2") == ["it mounts the host folder /tmp/dockyard-ex05/config at /config",
                                        "its output shows app.conf: mode=production"]


def test_ex05_2_accepts_a_read_only_bind_mount_that_refused_the_write(client, config):
    ran(client, ["sh", "-c", APPEND], "dockyard-ex05-2-reader", volumes=mounted(str(config), "/config", "ro"))
    assert failed(client, "ex05-2") == []
    assert (config / "app.conf").read_text() == "mode=production\n"


# ex05-3: back up and restore

@pytest.fixture
def source(client):
    client.volumes.create("dockyard-ex05-3-data", labels=LABELS)
    ran(client, ["sh", "-c", FILES], volumes=mounted("dockyard-ex05-3-data"))


def restore(client, script):
    client.volumes.create("dockyard-ex05-3-restored", labels=LABELS)
    ran(client, ["sh", "-c", script],
        volumes={**mounted("dockyard-ex05-3-data", "/from"), **mounted("dockyard-ex05-3-restored", "/to")})


def test_ex05_3_rejects_files_restored_one_folder_too_deep(client, source):
    # What an archive made without -C gives: every path starts with data/
    restore(client, "mkdir /to/data && cp -a /from/. /to/data/")
    assert failed(client, "ex05-3") == ["it holds the same files at the same paths",
                                        "every file has the same content"]


def test_ex05_3_rejects_a_partial_restore_that_emptied_the_original(client, source):
    restore(client, "mv /from/notes.txt /to/ && rm -r /from/logs")
    assert failed(client, "ex05-3") == [
        "dockyard-ex05-3-data still holds notes.txt, logs/app.log and config/app.conf",
        "it holds the same files at the same paths", "every file has the same content"]


def test_ex05_3_accepts_a_faithful_copy(client, source):
    restore(client, "cp -a /from/. /to/")
    assert failed(client, "ex05-3") == []


# ex05-4: Redis data that outlives its container

def redis(client, command, volumes=None):
    server = client.containers.run("redis:7", command, name="dockyard-ex05-4-redis", labels=LABELS,
                                   detach=True, volumes=volumes)
    deadline = time.monotonic() + 10
    while server.exec_run(["redis-cli", "ping"]).output.strip() != b"PONG" and time.monotonic() < deadline:
        time.sleep(0.1)
    return server


def set_then_recreate(client, command, volumes):
    first = redis(client, command, volumes)
    assert first.exec_run(["redis-cli", "SET", "greeting", "survived"]).output.strip() == b"OK"
    first.stop()
    first.remove()
    redis(client, command, volumes)


APPENDONLY = ["redis-server", "--appendonly", "yes"]


def test_ex05_4_rejects_a_server_that_keeps_its_data_in_its_own_layer(client):
    client.volumes.create("dockyard-ex05-4-data", labels=LABELS)
    server = redis(client, APPENDONLY)
    server.exec_run(["redis-cli", "SET", "greeting", "survived"])
    assert failed(client, "ex05-4") == [
        "it mounts the volume dockyard-ex05-4-data at /data",
        "its log shows it loaded the data from the append-only file when it started"]


def test_ex05_4_rejects_a_server_without_the_append_only_file(client):
    client.volumes.create("dockyard-ex05-4-data", labels=LABELS)
    # The key survives through the snapshot Redis saves on a clean stop, but no write is logged.
    set_then_recreate(client, ["redis-server"], mounted("dockyard-ex05-4-data"))
    assert failed(client, "ex05-4") == [
        "Redis keeps an append-only file in /data (appendonlydir/)",
        "its log shows it loaded the data from the append-only file when it started"]


def test_ex05_4_accepts_a_key_that_survived_a_new_container(client):
    client.volumes.create("dockyard-ex05-4-data", labels=LABELS)
    set_then_recreate(client, APPENDONLY, mounted("dockyard-ex05-4-data"))
    assert failed(client, "ex05-4") == []
