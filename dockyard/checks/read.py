"""Reading a learner's engine for a check: every reader answers None or empty when the thing is missing.

Checks only read. The exceptions are throwaway containers, labelled as the checker's, without a
network, and removed at once: a volume's contents, which the engine shows only to a container
(`volume_files` and `volume_times` mount it read-only and never write to it); a file of an image
(`image_file` creates a container it never starts); and a trial run of the learner's own image or
command with an input the check chooses (`trial_run`), which shows that an output was produced, not
typed.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
from datetime import UTC, datetime

import docker
import requests
from docker.errors import APIError, ImageNotFound, NotFound

from dockyard import listing, web
from dockyard.labels import LABEL
from dockyard.names import find
from dockyard.waiting import until
from dockyard.web import TIMEOUT

READER_IMAGE = "debian:bookworm-slim"
CHECKER = "checks"
# How long a GET waits for an app to listen, and a health status to leave `starting`: a container started a
# moment before the check (by `up`, or by the learner's previous cell) may still be importing its code,
# the more so on a busy machine or under emulation (an arm64 image on an amd64 host needs over 20 s).
# The lessons wait as long (web.TIMEOUT); a container that stops meanwhile ends the wait at once.
APP_WAIT = TIMEOUT
# How long a name lookup is retried: Docker's DNS server learns of a container that started or joined a
# network a moment ago with a short delay.
DNS_WAIT = 3
# Host addresses a published port is reachable on through 127.0.0.1 (all interfaces include it).
LOCAL_HOSTS = ("127.0.0.1", "0.0.0.0", "")
# The labels Compose puts on every container it creates: checks find a project's containers by them.
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NUMBER = "com.docker.compose.container-number"


def container(client: docker.DockerClient, name: str):
    return find(client, "container", name)


def image(client: docker.DockerClient, tag: str):
    try:
        return client.images.get(tag)
    except (ImageNotFound, NotFound, APIError):
        return None


def network(client: docker.DockerClient, name: str):
    return find(client, "network", name)


def volume(client: docker.DockerClient, name: str):
    return find(client, "volume", name)


def labels(resource) -> dict:
    """A container's, image's, network's or volume's labels ({} when it is missing)."""
    if resource is None:
        return {}
    # Containers and images have .labels; networks and volumes keep theirs only in attrs.
    found = getattr(resource, "labels", None)
    return found if found is not None else (resource.attrs.get("Labels") or {})


def chapter_label(resource) -> str | None:
    return labels(resource).get(LABEL)


def config(resource) -> dict:
    """An image's or container's Config block ({} when it is missing)."""
    return (resource.attrs.get("Config") or {}) if resource is not None else {}


def host_config(found) -> dict:
    """A container's HostConfig block ({} when it is missing): what the engine was asked for beyond the
    image's configuration (limits, restart policy, init, port bindings)."""
    return (found.attrs.get("HostConfig") or {}) if found is not None else {}


def env(found) -> dict[str, str]:
    """An image's or container's environment as {name: value} ({} when it is missing)."""
    pairs = config(found).get("Env") or []
    return dict(pair.split("=", 1) if "=" in pair else (pair, "") for pair in pairs)


def layers(image) -> list[str]:
    """An image's layer digests, base first ([] without the image): equal prefixes mean a shared base."""
    return ((image.attrs.get("RootFS") or {}).get("Layers") or []) if image is not None else []


def created_by(image) -> list[str]:
    """What made each step of an image's history, newest first as the engine lists them ([] without the
    image); the only record of the Dockerfile lines an image was built from."""
    return [entry.get("CreatedBy") or "" for entry in image.history()] if image is not None else []


def is_root(user: str | None) -> bool:
    """Whether an image's or container's User runs as root (no user is root)."""
    return (user or "").split(":")[0] in ("", "root", "0")


def status(found) -> str | None:
    if found is None:
        return None
    found.reload()
    return found.status


def exit_code(found) -> int | None:
    """The exit code of a container that has exited (None while it runs, or without it)."""
    return found.attrs["State"]["ExitCode"] if status(found) == "exited" else None


def logs(found, tail: int | str = "all", stderr: bool = True) -> str:
    """A container's output as text, stripped ("" without the container)."""
    if found is None:
        return ""
    return found.logs(tail=tail, stderr=stderr).decode(errors="replace").strip()


def exec_output(found, command: list[str]) -> tuple[int | None, str]:
    """(exit code, output) of a command in a running container, or (None, why not).

    Checks only read: the command must change nothing (cat, ls, getent, redis-cli GET).
    """
    if status(found) != "running":
        return None, "no running container"
    ran = found.exec_run(command)
    return ran.exit_code, ran.output.decode(errors="replace").strip()


def mount(found, destination: str) -> dict:
    """A container's mount at `destination` ({} when nothing is mounted there, or without it)."""
    if found is None:
        return {}
    found.reload()
    return next((m for m in found.attrs.get("Mounts") or [] if m.get("Destination") == destination), {})


def describe_mount(mount: dict) -> str:
    """A mount as a check reports it: its type and the volume's name or the host path."""
    if not mount:
        return "nothing mounted there"
    source = mount.get("Name") if mount.get("Type") == "volume" else mount.get("Source")
    return f"{mount.get('Type')} {source}"


def port_bindings(found, port: str) -> list[dict]:
    """The bindings a container was created with for `port` ("5000/tcp") ([] when it publishes none).

    Unlike `published`, this is what was asked for: an empty HostPort means Docker picks the port.
    """
    return (host_config(found).get("PortBindings") or {}).get(port) or []


def describe_bindings(bindings: list[dict]) -> str:
    """Port bindings as a check reports them: each host address and host port asked for."""
    if not bindings:
        return "not published"
    return ", ".join(f"{b.get('HostIp') or 'all interfaces'}, host port {b.get('HostPort') or 'any'}"
                     for b in bindings)


def published(found, port: str) -> list[tuple[str, str]]:
    """(host ip, host port) pairs a container publishes `port` ("5000/tcp") on."""
    if found is None:
        return []
    found.reload()
    bindings = (found.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(port) or []
    return [(b["HostIp"], b["HostPort"]) for b in bindings]


def endpoints(found) -> dict[str, dict]:
    """A container's settings on each network it is attached to, by network name ({} without it)."""
    if found is None:
        return {}
    found.reload()
    return found.attrs.get("NetworkSettings", {}).get("Networks") or {}


def networks_of(found) -> list[str]:
    return sorted(endpoints(found))


def health(found) -> str | None:
    if found is None:
        return None
    found.reload()
    return ((found.attrs.get("State") or {}).get("Health") or {}).get("Status")


def settled_health(found, within: float = APP_WAIT) -> str | None:
    """The container's health once it has left `starting` (its first checks may still be running), or
    `starting` after `within` seconds, or sooner if the container stops."""
    return until(lambda: health(found), timeout=within, interval=0.5, done=lambda state: state != "starting",
                 stop_if=lambda: found.status != "running")


def http_body(url: str, timeout: float = 3) -> tuple[int | None, str]:
    """(status code, body) of a GET, or (None, why it failed)."""
    try:
        response = web.get(url, timeout=timeout)
    except requests.RequestException as error:
        return None, type(error).__name__
    return response.status_code, response.text.strip()


def http_get(found, port: str = "5000/tcp", path: str = "/",
             loopback_only: bool = False) -> tuple[int | None, str]:
    """(status code, body) of a GET of `path` on a running container's `port` as published on this
    machine, asked again for up to APP_WAIT seconds while nothing answers; or (None, why not).

    `loopback_only` accepts only a port published on 127.0.0.1 itself, not one on all interfaces.
    """
    if status(found) != "running":
        return None, "no running container"
    hosts = ("127.0.0.1",) if loopback_only else LOCAL_HOSTS
    ports = [host_port for ip, host_port in published(found, port) if ip in hosts]
    if not ports:
        return None, "no port published on 127.0.0.1" if loopback_only else "no published port"
    return until(lambda: http_body(f"http://127.0.0.1:{ports[0]}{path}"), timeout=APP_WAIT, interval=0.2,
                 done=lambda answer: answer[0] is not None, stop_if=lambda: status(found) != "running")


def lookup(found, name: str) -> tuple[int | None, str]:
    """`getent hosts NAME` inside a running container: (exit code, first address), asked again for up
    to DNS_WAIT seconds while the name is unknown; or (None, why not)."""
    if status(found) != "running":
        return None, "no running container"
    ran = until(lambda: found.exec_run(["getent", "hosts", name]), timeout=DNS_WAIT, interval=0.2,
                done=lambda ran: ran.exit_code == 0)
    words = ran.output.decode(errors="replace").split()
    return ran.exit_code, (words[0] if ran.exit_code == 0 and words else "")


def compose_containers(client: docker.DockerClient, project: str) -> list:
    """Every container of a Compose project, stopped ones too, found by the label Compose gives it."""
    return listing.containers(client, {"label": [f"{COMPOSE_PROJECT}={project}"]})


def compose_service(client: docker.DockerClient, project: str, service: str):
    """A Compose service's first container (the lowest container number), or None."""
    mine = [x for x in compose_containers(client, project) if labels(x).get(COMPOSE_SERVICE) == service]
    return min(mine, key=lambda x: int(labels(x).get(COMPOSE_NUMBER) or 0)) if mine else None


def volume_times(client: docker.DockerClient, name: str) -> dict[str, float] | None:
    """When each file in a volume (path relative to its root) was last written, in seconds since the
    epoch to the nanosecond the file system keeps, or None without the volume: set beside a container's
    StartedAt and FinishedAt, it says whether that container wrote the file."""
    if volume(client, name) is None:
        return None
    listing = client.containers.run(
        READER_IMAGE, ["find", "/v", "-type", "f", "-printf", "%P\\t%T@\\n"], remove=True,
        network_disabled=True, volumes={name: {"bind": "/v", "mode": "ro"}}, labels={LABEL: CHECKER},
    )
    pairs = (line.rsplit("\t", 1) for line in listing.decode(errors="replace").splitlines() if "\t" in line)
    return {path: float(moment) for path, moment in pairs}


def moment(timestamp: str | None) -> float | None:
    """An engine timestamp (2026-12-07T03:03:58.206591108Z, as in State.StartedAt) in seconds since the
    epoch, nanoseconds kept as far as a float holds them; None for none or the zero time of a container
    that never started or never finished."""
    if not timestamp or timestamp.startswith("0001-"):
        return None
    whole, _, rest = timestamp.rstrip("Z").partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit())
    seconds = datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp()
    return seconds + (int(digits) / 10 ** len(digits) if digits else 0.0)


def trial_run(client: docker.DockerClient, image: str, command=None, timeout: float = 30,
              **options) -> tuple[int | None, str, str]:
    """(exit code, standard output, standard error) of a throwaway container of `image` run to its end,
    both outputs stripped; (None, "", why) when it cannot start or has not ended within `timeout` s.

    `options` are containers.create's (entrypoint, environment, user, working_dir, volumes, ...). The
    container has no network, carries the checker's label and is removed whatever happens.
    """
    try:
        trial = client.containers.create(image, command, network_disabled=True, labels={LABEL: CHECKER},
                                         **options)
    except (APIError, ImageNotFound, NotFound) as error:
        return None, "", getattr(error, "explanation", None) or str(error)
    try:
        trial.start()
        code = trial.wait(timeout=timeout)["StatusCode"]
        out, err = (trial.logs(stdout=o, stderr=e).decode(errors="replace").strip()
                    for o, e in ((True, False), (False, True)))
        return code, out, err
    except APIError as error:
        return None, "", error.explanation or str(error)
    except requests.RequestException:
        return None, "", f"still running after {timeout:.0f} s"
    finally:
        trial.remove(force=True)


def image_file(client: docker.DockerClient, image, path: str) -> bytes | None:
    """The bytes of the file at `path` in an image (relative to its working folder), or None when the
    image or the file is missing. Read from a container that is created and never started."""
    if image is None:
        return None
    where = posixpath.join(config(image).get("WorkingDir") or "/", path)
    try:
        holder = client.containers.create(image.id, ["true"], entrypoint=[], network_disabled=True,
                                          labels={LABEL: CHECKER})
    except (APIError, NotFound):
        return None
    try:
        stream, _ = holder.get_archive(where)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = next((m for m in tar.getmembers() if m.isfile()), None)
            return tar.extractfile(member).read() if member is not None else None
    except (APIError, NotFound):
        return None
    finally:
        holder.remove(force=True)


def volume_files(client: docker.DockerClient, name: str) -> dict[str, str] | None:
    """Each file in a volume (path relative to its root) with its text, or None without the volume.

    The files come out as a tar stream, so binary files (a database's) arrive intact; their text is
    decoded with replacement characters.
    """
    if volume(client, name) is None:
        return None
    archive = client.containers.run(
        READER_IMAGE, ["tar", "-C", "/v", "-cf", "-", "."], remove=True, network_disabled=True,
        volumes={name: {"bind": "/v", "mode": "ro"}}, labels={LABEL: CHECKER},
    )
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {member.name.removeprefix("./"): tar.extractfile(member).read().decode(errors="replace")
                for member in tar.getmembers() if member.isfile()}


class ChunkStream(io.RawIOBase):
    """The chunks of a streamed response (`image.save()`) as a file, for tarfile's stream mode."""

    def __init__(self, chunks):
        self.chunks, self.rest = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.rest:
            self.rest = next(self.chunks, None)
            if self.rest is None:
                self.rest = b""
                return 0
        size = min(len(buffer), len(self.rest))
        buffer[:size], self.rest = self.rest[:size], self.rest[size:]
        return size


def saved_archive(image) -> tarfile.TarFile:
    """`docker save` of an image as a tar stream, read as it arrives: a read, it changes nothing."""
    return tarfile.open(fileobj=io.BufferedReader(ChunkStream(image.save(named=False)), 2**20), mode="r|")


def saved_files(image):
    """(name, bytes) of each file in an image's `docker save` archive, read one at a time; a layer the
    containerd image store keeps gzip-compressed comes out unpacked, as the layer's tar."""
    archive = saved_archive(image)
    for member in archive:
        if member.isfile():
            data = archive.extractfile(member).read()
            yield member.name, gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
