"""Checks for the Volumes exercises (ex05)."""

from __future__ import annotations

from dockyard.checks import core, read, task

CHAPTER = "ex05"
CONFIG_FOLDER = "/tmp/dockyard-ex05/config"
# What the setup cell of ex05-3 writes into dockyard-ex05-3-data.
BACKED_UP = {"notes.txt": "first note\n", "logs/app.log": "app started\n",
             "config/app.conf": "mode=production\n"}


def _volume(c, client, name) -> object:
    found = read.volume(client, name)
    c.check(f"volume {name} exists", found, found="no such volume")
    return found


def _mounts_volume(c, found, volume: str, destination: str) -> dict:
    mount = read.mount(found, destination)
    c.check(f"it mounts the volume {volume} at {destination}",
            mount.get("Type") == "volume" and mount.get("Name") == volume,
            found=read.describe_mount(mount), expected=f"volume {volume}")
    return mount


def _listing(files: dict[str, str] | None) -> str:
    if files is None:
        return "no such volume"
    return ", ".join(sorted(files)) or "an empty volume"


@task("ex05-1", hints=[
    "A named volume outlives the container that writes to it; the file must be written under the path "
    "where the volume is mounted.",
    "client.volumes.create(name, labels=...) creates the labelled volume; client.containers.run(..., "
    "volumes={name: {'bind': '/data', 'mode': 'rw'}}, detach=True) mounts it.",
    "command=[\"sh\", \"-c\", \"echo 'kept in a volume' > /data/notes.txt\"]; keep the container (no "
    "remove=True) and wait() for it. On the command line: docker volume create --label "
    "dockyard.chapter=ex05 VOLUME, then docker run --name NAME --label dockyard.chapter=ex05 -v "
    "VOLUME:/data IMAGE sh -c PROGRAM.",
])
def note(client, c) -> None:
    volume = "dockyard-ex05-1-data"
    found_volume = _volume(c, client, volume)
    core.labelled(c, found_volume, volume, CHAPTER)
    files = read.volume_files(client, volume)
    text = (files or {}).get("notes.txt")
    c.check("notes.txt in the volume reads: kept in a volume",
            text is not None and text.strip() == "kept in a volume",
            found=repr(text.strip()) if text is not None else f"no notes.txt ({_listing(files)})",
            expected="'kept in a volume'")
    name = "dockyard-ex05-1-writer"
    writer = core.container(c, client, name, CHAPTER)
    c.equal("it has exited", read.status(writer), "exited")
    c.equal("its exit code is 0", read.exit_code(writer), 0)
    _mounts_volume(c, writer, volume, "/data")


@task("ex05-2", hints=[
    "A bind mount shares a host folder with the container; add the read-only mode and every write in it "
    "is refused by the kernel.",
    "client.containers.run(..., volumes={'/tmp/dockyard-ex05/config': {'bind': '/config', 'mode': 'ro'}}, "
    "detach=True), then wait() for it.",
    'command=["sh", "-c", "cat /config/app.conf; echo changed >> /config/app.conf"]: the cat works, the '
    "append fails with Read-only file system. On the command line: docker run --name NAME --label "
    "dockyard.chapter=ex05 -v /tmp/dockyard-ex05/config:/config:ro IMAGE sh -c PROGRAM.",
])
def read_only(client, c) -> None:
    name = "dockyard-ex05-2-reader"
    reader = core.container(c, client, name, CHAPTER)
    c.equal("it has exited", read.status(reader), "exited")
    mount = read.mount(reader, "/config")
    source = mount.get("Source") or ""
    # Docker Desktop may show the folder under a prefix (/private/tmp/..., /host_mnt/...).
    c.check(f"it mounts the host folder {CONFIG_FOLDER} at /config",
            mount.get("Type") == "bind" and (source == CONFIG_FOLDER or source.endswith(CONFIG_FOLDER)),
            found=read.describe_mount(mount), expected=f"bind {CONFIG_FOLDER}")
    c.check("the mount at /config is read-only", mount and mount.get("RW") is False,
            found=("read-write" if mount.get("RW") else "nothing mounted there"), expected="read-only")
    logs = read.logs(reader)
    c.check("its output shows app.conf: mode=production", "mode=production" in logs,
            found=logs[-80:] or "no output")
    c.check("its output shows the write was refused: Read-only file system", "Read-only file system" in logs,
            found=logs[-80:] or "no output")


@task("ex05-3", hints=[
    "A throwaway container that mounts the volume and a host folder can pack the volume with tar; a second "
    "one unpacks the archive into the new volume.",
    "Mount dockyard-ex05-3-data read-only at /data and /tmp/dockyard-ex05/backup at /backup; create "
    "dockyard-ex05-3-restored with client.volumes.create(name, labels=...) before you restore into it.",
    "tar czf /backup/data.tgz -C /data . packs paths relative to the volume's root; tar xzf "
    "/backup/data.tgz -C /data unpacks them into the volume mounted at /data. On the command line: "
    "docker run --rm --label dockyard.chapter=ex05 -v VOLUME:/data:ro -v "
    "/tmp/dockyard-ex05/backup:/backup IMAGE tar czf ...; docker volume create --label "
    "dockyard.chapter=ex05 VOLUME; docker run --rm --label dockyard.chapter=ex05 -v VOLUME:/data -v "
    "/tmp/dockyard-ex05/backup:/backup:ro IMAGE tar xzf ...",
])
def backup(client, c) -> None:
    source = "dockyard-ex05-3-data"
    _volume(c, client, source)
    original = read.volume_files(client, source)
    c.check(f"{source} still holds notes.txt, logs/app.log and config/app.conf", original == BACKED_UP,
            found=_listing(original))
    name = "dockyard-ex05-3-restored"
    restored_volume = _volume(c, client, name)
    core.labelled(c, restored_volume, name, CHAPTER)
    restored = read.volume_files(client, name)
    c.equal("it holds the same files at the same paths", _listing(restored), _listing(BACKED_UP))
    differ = [path for path, text in BACKED_UP.items() if (restored or {}).get(path) != text]
    c.check("every file has the same content", restored is not None and not differ,
            found=("no volume" if restored is None else "other content in " + ", ".join(differ)))


@task("ex05-4", hints=[
    "Redis keeps its files in /data; with the append-only file turned on it logs every write there, and a "
    "new server on the same volume reads them back when it starts.",
    "client.containers.run('redis:7', ['redis-server', '--appendonly', 'yes'], volumes={volume: {'bind': "
    "'/data', 'mode': 'rw'}}, detach=True); exec_run(['redis-cli', 'SET', 'greeting', 'survived']) writes "
    "the key.",
    "Then remove the container (remove(force=True)) and run the same command again under the same name: "
    "its log says DB loaded from append only file, and GET greeting answers survived. On the command "
    "line: docker volume create --label dockyard.chapter=ex05 VOLUME; docker run -d --name NAME --label "
    "dockyard.chapter=ex05 -v VOLUME:/data redis:7 redis-server --appendonly yes; docker exec NAME "
    "redis-cli SET greeting survived; docker rm -f NAME, then the same docker run again.",
])
def redis(client, c) -> None:
    volume = "dockyard-ex05-4-data"
    found_volume = _volume(c, client, volume)
    core.labelled(c, found_volume, volume, CHAPTER)
    name = "dockyard-ex05-4-redis"
    server = core.container(c, client, name, CHAPTER)
    c.equal("it runs the image redis:7", read.config(server).get("Image"), "redis:7")
    c.equal("it is running", read.status(server), "running")
    _mounts_volume(c, server, volume, "/data")
    code, listing = read.exec_output(server, ["ls", "/data/appendonlydir"])
    c.check("Redis keeps an append-only file in /data (appendonlydir/)",
            code == 0 and any(entry.endswith(".manifest") for entry in listing.split()),
            found=(listing if code is None else "no folder /data/appendonlydir" if code
                   else listing.replace("\n", ", ") or "an empty folder"))
    code, answer = read.exec_output(server, ["redis-cli", "GET", "greeting"])
    c.check("GET greeting answers survived", code == 0 and answer == "survived",
            found=(answer or "no value: the key is not set") if code == 0 else (answer or "no answer"),
            expected="survived")
    c.check("its log shows it loaded the data from the append-only file when it started",
            "DB loaded from append only file" in read.logs(server),
            found="no such line: the server had nothing to load" if server is not None else "no log",
            expected="DB loaded from append only file")
