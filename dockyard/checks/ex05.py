"""Checks for the Volumes exercises (ex05).

A volume's files are read through a throwaway container that mounts it read-only. Where an output could
have been typed (ex05-2), the check runs the learner's own command once more in a throwaway container,
on a scratch volume of its own with another app.conf, mounted writable: the command must print that
file and change it. Redis is asked only what a read shows (GET, INFO). The backup folder of ex05-3 is
read on this machine, where the learner's containers wrote it.
"""

from __future__ import annotations

import secrets
import tarfile
from pathlib import Path

from dockyard.checks import core, read, task
from dockyard.labels import LABEL

CHAPTER = "ex05"
IMAGE = "debian:bookworm-slim"
CONFIG_FOLDER = "/tmp/dockyard-ex05/config"
BACKUP_FOLDER = "/tmp/dockyard-ex05/backup"
# What the setup cell of ex05-3 writes into dockyard-ex05-3-data.
BACKED_UP = {"notes.txt": "first note\n", "logs/app.log": "app started\n",
             "config/app.conf": "mode=production\n"}
REFUSAL = "Read-only file system"
# A file's time stamp comes from the kernel's coarse clock, a few milliseconds behind the engine's.
CLOCK_SLACK = 0.05
# Redis commands that set a string key: a server that ran one wrote the data itself.
SETTERS = ("set", "setex", "psetex", "setnx", "mset", "msetnx", "getset", "setrange", "append")


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


def _state(found) -> dict:
    return (found.attrs.get("State") or {}) if found is not None else {}


@task("ex05-1", hints=[
    "A named volume outlives the container that writes to it; the file must be written under the path "
    "where the volume is mounted, by the container the task names.",
    "client.volumes.create(name) creates the volume; client.containers.run('debian:bookworm-slim', ..., "
    "volumes={name: {'bind': '/data', 'mode': 'rw'}}, detach=True) mounts it.",
    "command=[\"sh\", \"-c\", \"echo 'kept in a volume' > /data/notes.txt\"] in dockyard-ex05-1-writer "
    "itself; keep the container (no remove=True) and wait() for it. On the command line: docker volume "
    "create VOLUME, then docker run --name NAME -v VOLUME:/data debian:bookworm-slim sh -c PROGRAM.",
])
def note(client, c) -> None:
    volume = "dockyard-ex05-1-data"
    _volume(c, client, volume)
    files = read.volume_files(client, volume)
    text = (files or {}).get("notes.txt")
    c.check("notes.txt in the volume reads: kept in a volume",
            text is not None and text.strip() == "kept in a volume",
            found=repr(text.strip()) if text is not None else f"no notes.txt ({_listing(files)})",
            expected="'kept in a volume'")
    name = "dockyard-ex05-1-writer"
    writer = core.named_container(c, client, name, image=IMAGE)
    c.equal("it has exited", read.status(writer), "exited")
    c.equal("its exit code is 0", read.exit_code(writer), 0)
    _mounts_volume(c, writer, volume, "/data")
    _written_while_running(c, client, writer, volume, "notes.txt")


def _written_while_running(c, client, writer, volume: str, path: str) -> None:
    """The file was last written between the container's creation and its end: by its own command, not
    by another container before or after it."""
    written = (read.volume_times(client, volume) or {}).get(path)
    created = read.moment(writer.attrs.get("Created")) if writer is not None else None
    finished = read.moment(_state(writer).get("FinishedAt"))
    inside = (None not in (written, created, finished)
              and created - CLOCK_SLACK <= written <= finished + CLOCK_SLACK)
    if writer is None or written is None:
        found = "no container" if writer is None else f"no {path} in the volume"
    elif finished is None or created is None:
        found = "the container has not finished"
    else:
        found = (f"written {created - written:.1f} s before the container was created" if written < created
                 else f"written {written - finished:.1f} s after the container ended")
    c.check(f"{path} was written while it ran (by its own command)", inside, found=found,
            expected="written between its start and its end")


@task("ex05-2", hints=[
    "A bind mount shares a host folder with the container; add the read-only mode and every write in it "
    "is refused by the kernel. The check runs your command again on another app.conf, writable: it must "
    "print that file and change it, so let the command read and write, not echo what you expect.",
    "client.containers.run('debian:bookworm-slim', ..., volumes={'/tmp/dockyard-ex05/config': {'bind': "
    "'/config', 'mode': 'ro'}}, detach=True), then wait() for it.",
    'command=["sh", "-c", "cat /config/app.conf; echo changed >> /config/app.conf"]: the cat prints the '
    "file on standard output, the append fails with Read-only file system on standard error. On the "
    "command line: docker run --name NAME -v /tmp/dockyard-ex05/config:/config:ro debian:bookworm-slim sh "
    "-c PROGRAM.",
])
def read_only(client, c) -> None:
    name = "dockyard-ex05-2-reader"
    reader = core.named_container(c, client, name, image=IMAGE)
    c.equal("it has exited", read.status(reader), "exited")
    mount = read.mount(reader, "/config")
    source = mount.get("Source") or ""
    # Docker Desktop may show the folder under a prefix (/private/tmp/..., /host_mnt/...).
    c.check(f"it mounts the host folder {CONFIG_FOLDER} at /config",
            mount.get("Type") == "bind" and (source == CONFIG_FOLDER or source.endswith(CONFIG_FOLDER)),
            found=read.describe_mount(mount), expected=f"bind {CONFIG_FOLDER}")
    c.check("the mount at /config is read-only", mount and mount.get("RW") is False,
            found=("read-write" if mount.get("RW") else "nothing mounted there"), expected="read-only")
    out = read.logs(reader, stderr=False)
    err = reader.logs(stdout=False).decode(errors="replace").strip() if reader is not None else ""
    c.check("its standard output shows app.conf: mode=production", "mode=production" in out.split(),
            found=core.shorten(out, 60) or "no output")
    c.check(f"its error output shows the write was refused: {REFUSAL}", REFUSAL in err,
            found=core.shorten(err, 60) or "no error output")
    again = _again(client, reader)
    c.check("run again on another app.conf, its command prints that file (it reads app.conf)",
            again["printed"], found=again["why"] or "other output: " + core.shorten(again["out"], 50),
            expected=again["mode"])
    c.check("run again with /config writable, its command changes app.conf (it tries the write)",
            again["changed"], found=again["why"] or again["unchanged"], expected="app.conf changed")


def _again(client, reader) -> dict:
    """The learner's container run once more, as it was configured (image, command, user, environment),
    with /config a scratch volume of the check's, writable, whose app.conf holds another mode: what it
    printed, and whether it changed the file. The scratch volume carries the checker's label and goes."""
    mode = f"mode=check-{secrets.token_hex(3)}"
    answer = {"mode": mode, "printed": False, "changed": False, "out": "", "why": "", "unchanged": ""}
    if reader is None or read.status(reader) != "exited":
        answer["why"] = "no container" if reader is None else "not tried: the container has not exited"
        return answer
    config = read.config(reader)
    scratch = client.volumes.create(labels={LABEL: read.CHECKER})
    try:
        mounted = {scratch.name: {"bind": "/config", "mode": "rw"}}
        # Writable for whichever user the learner's command runs as.
        seed = f"echo {mode} > /config/app.conf && chmod 777 /config && chmod 666 /config/app.conf"
        read.trial_run(client, read.READER_IMAGE, ["sh", "-c", seed], volumes=mounted)
        code, out, err = read.trial_run(
            client, reader.attrs.get("Image"), config.get("Cmd"), entrypoint=config.get("Entrypoint"),
            environment=config.get("Env"), user=config.get("User") or None,
            working_dir=config.get("WorkingDir") or None, volumes=mounted)
        text = (read.volume_files(client, scratch.name) or {}).get("app.conf")
    finally:
        scratch.remove(force=True)
    if code is None:
        answer["why"] = f"it did not run again ({core.shorten(err, 50)})"
        return answer
    answer.update(out=out, printed=mode in out.split())
    answer["changed"] = text != f"{mode}\n" and REFUSAL not in out + err
    answer["unchanged"] = (f"it still reports {REFUSAL} on a writable mount" if REFUSAL in out + err
                           else "app.conf left as it was")
    return answer


@task("ex05-3", hints=[
    "A throwaway container that mounts the volume and a host folder can pack the volume into an archive "
    "in that folder with tar; a second one unpacks the archive into the new volume. The check reads the "
    "archive in /tmp/dockyard-ex05/backup, so copying one volume into the other is not a backup.",
    "Mount dockyard-ex05-3-data read-only at /data and /tmp/dockyard-ex05/backup at /backup; create "
    "dockyard-ex05-3-restored with client.volumes.create(name) before you restore into it.",
    "tar czf /backup/data.tgz -C /data . packs paths relative to the volume's root; tar xzf "
    "/backup/data.tgz -C /data unpacks them into the volume mounted at /data. On the command line: "
    "docker run --rm -v VOLUME:/data:ro -v /tmp/dockyard-ex05/backup:/backup debian:bookworm-slim tar czf "
    "...; docker volume create VOLUME; docker run --rm -v VOLUME:/data -v "
    "/tmp/dockyard-ex05/backup:/backup:ro debian:bookworm-slim tar xzf ...",
])
def backup(client, c) -> None:
    source = "dockyard-ex05-3-data"
    _volume(c, client, source)
    original = read.volume_files(client, source)
    c.check(f"{source} still holds notes.txt, logs/app.log and config/app.conf", original == BACKED_UP,
            found=_listing(original))
    archived, found = _archive(Path(BACKUP_FOLDER))
    c.check(f"an archive in {BACKUP_FOLDER} holds those three files at the volume's paths, with their "
            "content", archived, found=found)
    name = "dockyard-ex05-3-restored"
    _volume(c, client, name)
    restored = read.volume_files(client, name)
    c.equal("it holds the same files at the same paths", _listing(restored), _listing(BACKED_UP))
    differ = [path for path, text in BACKED_UP.items() if (restored or {}).get(path) != text]
    c.check("every file has the same content", restored is not None and not differ,
            found=("no volume" if restored is None else "other content in " + ", ".join(differ)))


def _archive(folder: Path) -> tuple[bool, str]:
    """Whether a tar archive (compressed or not) in the folder holds the volume's files at their paths
    from its root, with their content; and what was found there."""
    if not folder.is_dir():
        return False, f"no folder {folder}"
    seen = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files = _archived(path)
        if files is None:
            seen.append(f"{path.name} (not a tar archive)")
            continue
        if all(files.get(name) == text for name, text in BACKED_UP.items()):
            return True, ""
        seen.append(f"{path.name}: {', '.join(sorted(files)) or 'no files'}")
    return False, core.shorten("; ".join(seen), 80) if seen else "an empty folder"


def _archived(path: Path) -> dict[str, str] | None:
    """Each file in a tar archive, its path as stored less a leading ./, with its text; None for a file
    that is no tar archive (or cannot be read)."""
    try:
        with tarfile.open(path, "r:*") as archive:
            return {member.name.removeprefix("./"): _text(archive, member)
                    for member in archive.getmembers() if member.isfile()}
    except (tarfile.TarError, OSError, EOFError):
        return None


def _text(archive: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    return archive.extractfile(member).read().decode(errors="replace")


@task("ex05-4", hints=[
    "Redis keeps its files in /data; with the append-only file turned on it logs every write there, and a "
    "new server on the same volume reads them back when it starts. Write the key before you replace the "
    "container, and only then: the check asks the new server whether it wrote the key itself.",
    "client.containers.run('redis:7', ['redis-server', '--appendonly', 'yes'], volumes={volume: {'bind': "
    "'/data', 'mode': 'rw'}}, detach=True); exec_run(['redis-cli', 'SET', 'greeting', 'survived']) writes "
    "the key.",
    "Then remove the container (stop() and remove(); a restart keeps the same container) and run the same "
    "command again under the same name: its log says DB loaded from append only file, and GET greeting "
    "answers survived. On the command line: docker volume create VOLUME; docker run -d --name NAME -v "
    "VOLUME:/data redis:7 redis-server --appendonly yes; docker exec NAME redis-cli SET greeting survived; "
    "docker stop NAME; docker rm NAME, then the same docker run again.",
])
def redis(client, c) -> None:
    volume = "dockyard-ex05-4-data"
    _volume(c, client, volume)
    name = "dockyard-ex05-4-redis"
    server = core.named_container(c, client, name, image="redis:7")
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
    code, stats = read.exec_output(server, ["redis-cli", "INFO", "commandstats"])
    writes = sorted(line.split(":")[0].removeprefix("cmdstat_") for line in stats.splitlines()
                    if line.split(":")[0].removeprefix("cmdstat_") in SETTERS) if code == 0 else []
    c.check("this server found greeting in the volume: it has run no SET since it started",
            code == 0 and not writes, found=stats if code is None else ", ".join(writes) + " ran here",
            expected="no SET")
    log = read.logs(server)
    c.check("its log shows it loaded the data from the append-only file when it started",
            "DB loaded from append only file" in log,
            found="no such line: the server had nothing to load" if server is not None else "no log",
            expected="DB loaded from append only file")
    starts = log.count("Ready to accept connections")
    c.check("it is a new container: its log shows one start of the server (docker restart keeps the old one)",
            server is not None and starts == 1,
            found="no container" if server is None else f"{starts} starts", expected="1 start")
