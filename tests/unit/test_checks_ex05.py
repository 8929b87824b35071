"""The Volumes checks: each plausible wrong answer fails by its own condition; the right work passes.

Containers and volumes are made as at work, without the course's label: the chapter's names make them
its own, and its clean-up finds them by those names.
"""

import shutil
import time
from pathlib import Path

import pytest
from exercise_support import failed

import dockyard

pytestmark = pytest.mark.chapter_lock("ex05")  # ex05's state on the engine is this test's alone
IMAGE = "debian:bookworm-slim"
SCRATCH = Path("/tmp/dockyard-ex05")
CONFIG = SCRATCH / "config"
BACKUP = SCRATCH / "backup"
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
    shutil.rmtree(SCRATCH, ignore_errors=True)
    yield
    dockyard.cleanup(client, "ex05")
    shutil.rmtree(SCRATCH, ignore_errors=True)


def ran(client, command, name=None, image=IMAGE, **options):
    """docker run as at work, to its end: keep it when it has a name, remove it otherwise."""
    container = client.containers.run(image, command, name=name, detach=True, **options)
    container.wait(timeout=60)
    if name is None:
        container.remove(v=True)
    return container


def mounted(volume, path="/data", mode="rw"):
    return {str(volume): {"bind": path, "mode": mode}}


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex05-1: a note in a named volume

NOTE = "echo 'kept in a volume' > /data/notes.txt"
WRITTEN = "notes.txt was written while it ran (by its own command)"


def test_ex05_1_rejects_a_note_written_into_the_containers_own_layer(client):
    client.volumes.create("dockyard-ex05-1-data")
    ran(client, ["sh", "-c", "echo 'kept in a volume' > /notes.txt"], "dockyard-ex05-1-writer")
    assert failed(client, "ex05-1") == ["notes.txt in the volume reads: kept in a volume",
                                        "it mounts the volume dockyard-ex05-1-data at /data", WRITTEN]


def test_ex05_1_rejects_a_writer_that_failed(client):
    client.volumes.create("dockyard-ex05-1-data")
    ran(client, ["sh", "-c", f"{NOTE}; exit 1"], "dockyard-ex05-1-writer",
        volumes=mounted("dockyard-ex05-1-data"))
    assert failed(client, "ex05-1") == ["its exit code is 0"]


def test_ex05_1_rejects_a_writer_of_another_image(client):
    client.volumes.create("dockyard-ex05-1-data")
    ran(client, ["sh", "-c", NOTE], "dockyard-ex05-1-writer", image="python:3.11-slim",
        volumes=mounted("dockyard-ex05-1-data"))
    assert failed(client, "ex05-1") == ["dockyard-ex05-1-writer runs the image debian:bookworm-slim"]


def test_ex05_1_rejects_a_note_another_container_wrote(client):
    # Written by a throwaway container; the container the task names only read it afterwards.
    client.volumes.create("dockyard-ex05-1-data")
    ran(client, ["sh", "-c", NOTE], volumes=mounted("dockyard-ex05-1-data"))
    ran(client, ["cat", "/data/notes.txt"], "dockyard-ex05-1-writer", volumes=mounted("dockyard-ex05-1-data"))
    assert failed(client, "ex05-1") == [WRITTEN]


def test_ex05_1_accepts_the_note_in_the_volume(client):
    client.volumes.create("dockyard-ex05-1-data")
    ran(client, ["sh", "-c", NOTE], "dockyard-ex05-1-writer", volumes=mounted("dockyard-ex05-1-data"))
    assert failed(client, "ex05-1") == []


def test_ex05_1_typed_without_any_label_passes_and_cleanup_removes_it_but_not_yours(client, unique):
    # docker volume create dockyard-ex05-1-data; docker run --name dockyard-ex05-1-writer -v ...
    volume = client.volumes.create("dockyard-ex05-1-data")
    writer = ran(client, ["sh", "-c", NOTE], "dockyard-ex05-1-writer", volumes=mounted(volume.name))
    assert not volume.attrs.get("Labels") and dockyard.LABEL not in writer.labels
    mine = client.containers.run(IMAGE, ["sleep", "infinity"], name=f"{unique}-mine", init=True, detach=True)
    try:
        assert failed(client, "ex05-1") == []
        removed = dockyard.cleanup(client, "ex05")
        assert {"container dockyard-ex05-1-writer", "volume dockyard-ex05-1-data"} <= set(removed)
        assert not client.containers.list(all=True, filters={"name": "dockyard-ex05-"})
        assert not client.volumes.list(filters={"name": "dockyard-ex05-"})
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex05-2: a read-only bind mount

STDOUT = "its standard output shows app.conf: mode=production"
STDERR = "its error output shows the write was refused: Read-only file system"
PRINTS = "run again on another app.conf, its command prints that file (it reads app.conf)"
WRITES = "run again with /config writable, its command changes app.conf (it tries the write)"


@pytest.fixture
def config():
    CONFIG.mkdir(parents=True)
    (CONFIG / "app.conf").write_text("mode=production\n")
    return CONFIG


def reader(client, program, volumes):
    return ran(client, ["sh", "-c", program], "dockyard-ex05-2-reader", volumes=volumes)


def test_ex05_2_rejects_a_read_write_mount(client, config):
    reader(client, APPEND, mounted(config, "/config"))
    assert failed(client, "ex05-2") == ["the mount at /config is read-only", STDERR]


def test_ex05_2_rejects_a_read_only_volume_in_place_of_the_host_folder(client, config):
    client.volumes.create("dockyard-ex05-2-config")
    reader(client, APPEND, mounted("dockyard-ex05-2-config", "/config", "ro"))
    assert failed(client, "ex05-2") == ["it mounts the host folder /tmp/dockyard-ex05/config at /config",
                                        STDOUT]


def test_ex05_2_rejects_both_lines_echoed_without_reading_or_writing(client, config):
    typed = "echo mode=production; echo 'sh: 1: cannot create /config/app.conf: Read-only file system' >&2"
    reader(client, typed, mounted(config, "/config", "ro"))
    assert failed(client, "ex05-2") == [PRINTS, WRITES]


def test_ex05_2_rejects_a_refusal_echoed_without_attempting_the_write(client, config):
    typed = ("cat /config/app.conf; echo 'sh: 1: cannot create /config/app.conf: Read-only file system' >&2; "
             "exit 2")
    reader(client, typed, mounted(config, "/config", "ro"))
    assert failed(client, "ex05-2") == [WRITES]


def test_ex05_2_rejects_the_setting_echoed_instead_of_read(client, config):
    reader(client, "echo mode=production; echo changed >> /config/app.conf", mounted(config, "/config", "ro"))
    assert failed(client, "ex05-2") == [PRINTS]


def test_ex05_2_accepts_a_read_only_bind_mount_that_refused_the_write(client, config):
    reader(client, APPEND, mounted(config, "/config", "ro"))
    assert failed(client, "ex05-2") == []
    assert (config / "app.conf").read_text() == "mode=production\n"


# ex05-3: back up and restore

ARCHIVE = ("an archive in /tmp/dockyard-ex05/backup holds those three files at the volume's paths, with "
           "their content")


@pytest.fixture
def source(client):
    BACKUP.mkdir(parents=True)
    client.volumes.create("dockyard-ex05-3-data")
    ran(client, ["sh", "-c", FILES], volumes=mounted("dockyard-ex05-3-data"))


def restore(client, script):
    """A copy from one volume to the other (/from, /to) with the backup folder at /backup."""
    client.volumes.create("dockyard-ex05-3-restored")
    ran(client, ["sh", "-c", script], volumes={**mounted("dockyard-ex05-3-data", "/from"),
                                               **mounted("dockyard-ex05-3-restored", "/to"),
                                               **mounted(BACKUP, "/backup")})


def test_ex05_3_rejects_an_archive_made_without_c_restored_one_folder_too_deep(client, source):
    restore(client, "cd / && tar czf /backup/data.tgz from && tar xzf /backup/data.tgz -C /to")
    assert failed(client, "ex05-3") == [ARCHIVE, "it holds the same files at the same paths",
                                        "every file has the same content"]


def test_ex05_3_rejects_a_partial_move_that_emptied_the_original(client, source):
    restore(client, "mv /from/notes.txt /to/ && rm -r /from/logs")
    assert failed(client, "ex05-3") == [
        "dockyard-ex05-3-data still holds notes.txt, logs/app.log and config/app.conf", ARCHIVE,
        "it holds the same files at the same paths", "every file has the same content"]


def test_ex05_3_rejects_a_volume_to_volume_copy_without_an_archive(client, source):
    restore(client, "cp -a /from/. /to/")
    assert failed(client, "ex05-3") == [ARCHIVE]


def test_ex05_3_accepts_a_restore_from_an_archive_in_the_backup_folder(client, source):
    restore(client, "tar czf /backup/data.tgz -C /from . && tar xzf /backup/data.tgz -C /to")
    assert failed(client, "ex05-3") == []


# ex05-4: Redis data that outlives its container

APPENDONLY = ["redis-server", "--appendonly", "yes"]
NO_SET = "this server found greeting in the volume: it has run no SET since it started"
LOADED = "its log shows it loaded the data from the append-only file when it started"
NEW = "it is a new container: its log shows one start of the server (docker restart keeps the old one)"


def redis(client, command=APPENDONLY, volumes=None):
    server = client.containers.run("redis:7", command, name="dockyard-ex05-4-redis", detach=True,
                                   volumes=volumes)
    pong(server)
    return server


def pong(server):
    deadline = time.monotonic() + 10
    while server.exec_run(["redis-cli", "ping"]).output.strip() != b"PONG" and time.monotonic() < deadline:
        time.sleep(0.1)


def greet(server):
    assert server.exec_run(["redis-cli", "SET", "greeting", "survived"]).output.strip() == b"OK"


def replaced(client, first, command=APPENDONLY, volumes=None):
    first.stop()
    first.remove()
    return redis(client, command, volumes)


@pytest.fixture
def data(client):
    client.volumes.create("dockyard-ex05-4-data")
    return mounted("dockyard-ex05-4-data")


def test_ex05_4_rejects_a_server_that_keeps_its_data_in_its_own_layer(client, data):
    greet(redis(client))
    assert failed(client, "ex05-4") == ["it mounts the volume dockyard-ex05-4-data at /data", NO_SET, LOADED]


def test_ex05_4_rejects_a_server_without_the_append_only_file(client, data):
    # The key survives through the snapshot Redis saves on a clean stop, but no write is logged.
    first = redis(client, ["redis-server"], data)
    greet(first)
    replaced(client, first, ["redis-server"], data)
    assert failed(client, "ex05-4") == ["Redis keeps an append-only file in /data (appendonlydir/)", LOADED]


def test_ex05_4_rejects_docker_restart_in_place_of_a_new_container(client, data):
    server = redis(client, volumes=data)
    greet(server)
    server.restart()
    pong(server)
    assert failed(client, "ex05-4") == [NEW]


def test_ex05_4_rejects_the_key_written_after_the_new_container_started(client, data):
    greet(replaced(client, redis(client, volumes=data), volumes=data))
    assert failed(client, "ex05-4") == [NO_SET]


def test_ex05_4_accepts_a_key_that_survived_a_new_container(client, data):
    first = redis(client, volumes=data)
    greet(first)
    replaced(client, first, volumes=data)
    assert failed(client, "ex05-4") == []
