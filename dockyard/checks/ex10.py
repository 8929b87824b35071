"""Checks for the Share images exercises (ex10).

A registry is read through its own HTTP API, as any client reads it: `/v2/` to see that it answers,
`/v2/<name>/manifests/<tag or digest>` with the Accept headers of every manifest type `docker push`
writes (the answer's Docker-Content-Digest header is the digest a pull by digest names), and
`/v2/_catalog`, anonymously and with the exercise's credentials. Local images are compared with what the
registry serves by ID and RepoDigests: on the classic image store an image's ID is the digest of its
configuration, which the manifest names; on the containerd image store the ID is the digest of the
manifest (or index) itself. The only file read is the exercise's own Docker client configuration,
/tmp/dockyard-ex10/docker-config/config.json; the learner's ~/.docker is never read.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import tarfile
from pathlib import Path

import requests

from dockyard import web
from dockyard.checks import core, read, task
from dockyard.waiting import until

REGISTRY_IMAGE = "registry:2"
REGISTRY, PRIVATE = "dockyard-ex10-registry", "dockyard-ex10-private"
REPOSITORY, TAG = "dockyard/ex10-app", "1.0"
PINNED = f"{REPOSITORY}:pinned"
PORT = "5000/tcp"
# ex10-4: one name for two CPUs, and the CPU each image's program is compiled for (ELF's e_machine)
UNAME = "dockyard/ex10-uname"
PLATFORMS = ("linux/amd64", "linux/arm64")
ELF_MACHINES = {62: "amd64", 183: "arm64", 3: "386", 40: "arm", 243: "riscv64", 21: "ppc64le", 22: "s390x"}
# ex10-3: the account the setup cell gives (the password is written to PASSWORD_FILE), and the Docker
# client configuration folder the task's `docker login` must use instead of ~/.docker.
USER = "learner"
PASSWORD = "dockyard-ex10-password-1618"
PASSWORD_FILE = "/tmp/dockyard-ex10/password.txt"
DOCKER_CONFIG = "/tmp/dockyard-ex10/docker-config"
# Every manifest type a push writes: Docker's and OCI's, single images and indexes (multi-platform, or
# an image with attestations on the containerd store).
ACCEPT = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
# A registry started a moment before the check (the learner's previous cell) may still be opening its
# storage: its API is asked again for up to this many seconds while nothing listens.
API_WAIT = 5


# Readers ---------------------------------------------------------------------------------------

def _ask(port: int, path: str, auth: tuple[str, str] | None = None,
         accept: str | None = None) -> tuple[int | None, requests.Response | str]:
    """(status code, response) of a GET of the registry's API on 127.0.0.1:port, or (None, why not),
    asked again while nothing answers yet. Never through a proxy."""
    def probe():
        try:
            with web.local_session() as session:
                answer = session.get(f"http://127.0.0.1:{port}{path}", auth=auth, timeout=5,
                                     headers={"Accept": accept} if accept else {})
            return answer.status_code, answer
        except requests.RequestException as error:
            return None, type(error).__name__
    return until(probe, timeout=API_WAIT, interval=0.2, done=lambda seen: seen[0] is not None)


def _manifest(port: int | None, reference: str, repository: str = REPOSITORY) -> tuple[str | None, dict, str]:
    """(digest, manifest, what was found) of a repository's manifest under a tag or a digest, as the
    registry serves it; (None, {}, why not) when it serves none."""
    if port is None:
        return None, {}, "no registry to ask"
    code, answer = _ask(port, f"/v2/{repository}/manifests/{reference}", accept=ACCEPT)
    if code != 200:
        return None, {}, answer if code is None else f"HTTP {code}"
    try:
        body = answer.json()
    except ValueError:
        body = {}
    return answer.headers.get("Docker-Content-Digest"), body, "a manifest"


def _describes(digest: str | None, manifest: dict, image) -> bool:
    """Whether a manifest the registry serves is this local image: its configuration's digest is the
    image's ID (classic store), or the manifest's own digest is (containerd store)."""
    if image is None or digest is None:
        return False
    return image.id in (digest, (manifest.get("config") or {}).get("digest"))


def _repo_digests(image, name: str) -> list[str]:
    """The digests an image is known by in repository `name` (localhost:PORT/dockyard/ex10-app)."""
    if image is None:
        return []
    return [entry.split("@", 1)[1] for entry in image.attrs.get("RepoDigests") or []
            if entry.split("@", 1)[0] == name]


def _repositories(answer: requests.Response) -> list[str]:
    """The repositories a catalog answer lists."""
    try:
        return list((answer.json() or {}).get("repositories") or [])
    except (ValueError, AttributeError):
        return []


def _short(digest: str | None) -> str:
    return f"{digest[:19]}..." if digest else "none"


def _registry(c, client, name: str) -> int | None:
    """The conditions on a registry container; its host port on 127.0.0.1 once its API answers."""
    found = core.named_container(c, client, name, image=REGISTRY_IMAGE, status="running")
    bindings = read.port_bindings(found, PORT)
    c.check(f"{name} publishes {PORT} on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=read.describe_bindings(bindings) if found is not None else "no container",
            expected="127.0.0.1")
    ports = [int(port) for host, port in read.published(found, PORT) if host == "127.0.0.1"]
    code, said = None, "no port on 127.0.0.1"
    if read.status(found) != "running":
        said = "no running container"
    elif ports:
        code, said = _ask(ports[0], "/v2/")
    c.check(f"{name} answers the registry API on 127.0.0.1 (GET /v2/)", code in (200, 401),
            found=said if code is None else f"HTTP {code}", expected="HTTP 200 (or 401 with logins)")
    return ports[0] if code in (200, 401) else None


def _named(port: int | None) -> str:
    """The repository as this engine names it for the registry: localhost:PORT/dockyard/ex10-app."""
    return f"localhost:{port if port is not None else 'PORT'}/{REPOSITORY}"


def _auths(folder: str) -> tuple[dict | None, str]:
    """The `auths` of a Docker client configuration folder's config.json (None without the file)."""
    path = Path(folder) / "config.json"
    try:
        return json.loads(path.read_text()).get("auths") or {}, "config.json"
    except FileNotFoundError:
        return None, "no config.json"
    except (OSError, ValueError, AttributeError):
        return None, "a config.json that is not JSON"


def _logged_in(auths: dict, port: int | None) -> list[str]:
    """The entries of `auths` for the registry on this port, by any name of this machine."""
    if port is None:
        return []
    hosts = {f"{host}:{port}" for host in ("localhost", "127.0.0.1")}
    return [key for key in auths if key.split("://")[-1].rstrip("/") in hosts]


# Tasks -------------------------------------------------------------------------------------------

@task("ex10-1", hints=[
    "A registry is a container like any other: run registry:2 under the name the task gives and publish its "
    "port 5000 on 127.0.0.1. Where an image goes is part of its name: a name that starts with a registry's "
    "address, localhost:PORT/, tells docker push which registry to send it to.",
    "Run the registry with -p 127.0.0.1::5000 and read the host port with docker port dockyard-ex10-registry "
    "5000. Give the sample app's image a second name with docker tag, then docker push that name. Docker "
    "talks plain HTTP to a registry on localhost without any setting.",
    "docker run -d --name dockyard-ex10-registry -p 127.0.0.1::5000 registry:2, then PORT=$(docker port "
    "dockyard-ex10-registry 5000 | cut -d: -f2), docker tag dockyard/sample-app:latest "
    "localhost:$PORT/dockyard/ex10-app:1.0 and docker push localhost:$PORT/dockyard/ex10-app:1.0.",
])
def push(client, c) -> None:
    port = _registry(c, client, REGISTRY)
    name = f"{_named(port)}:{TAG}"
    image = core.image(c, client, name)
    digest, manifest, said = _manifest(port, TAG)
    c.check(f"the registry serves a manifest for {REPOSITORY}:{TAG} (GET /v2/{REPOSITORY}/manifests/{TAG})",
            digest, found=said, expected="HTTP 200 with a digest")
    pushed = ", ".join(map(_short, _repo_digests(image, _named(port)))) or "no RepoDigest"
    c.check(f"its digest is a RepoDigest of {name} (the registry holds what this engine pushed)",
            digest is not None and digest in _repo_digests(image, _named(port)),
            found=("no image" if image is None else "no manifest" if digest is None
                   else f"{pushed}, the registry has {_short(digest)}"),
            expected=_short(digest) if digest else "the registry's digest")
    config = (manifest.get("config") or {}).get("digest")
    c.check(f"the manifest describes {name}: its config digest is the image's ID (on the containerd "
            "image store, its own digest is)", _describes(digest, manifest, image),
            found=("no image" if image is None else "no manifest" if digest is None
                   else f"config {_short(config)}, image {_short(image.id)}"),
            expected=_short(image.id) if image is not None else "the image's ID")


@task("ex10-2", hints=[
    "A push records the digest the registry gave the image among its RepoDigests, and the registry answers "
    "a pull by that digest as long as it stores the content, whatever its tags point to later. Pin first, "
    "then move the tag: any change makes a new image (a label is enough), and pushing it as 1.0 moves the "
    "registry's tag.",
    "Read the digest from docker image inspect ({{range .RepoDigests}}{{println .}}{{end}}, the line that "
    "starts with localhost:PORT/), pull the image by localhost:PORT/dockyard/ex10-app@sha256:..., and "
    "docker tag that reference as dockyard/ex10-app:pinned. Then build the sample app again with a label "
    "of its own, tag it localhost:PORT/dockyard/ex10-app:1.0 and push it.",
    "DIGEST=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "
    "localhost:$PORT/dockyard/ex10-app:1.0 | grep \"^localhost:$PORT/\"), docker pull $DIGEST, docker tag "
    "$DIGEST dockyard/ex10-app:pinned; then docker build --label org.opencontainers.image.version=1.0.1 -t "
    "dockyard/ex10-app:1.0.1 sample-app, docker tag dockyard/ex10-app:1.0.1 "
    "localhost:$PORT/dockyard/ex10-app:1.0 and docker push localhost:$PORT/dockyard/ex10-app:1.0.",
])
def pin(client, c) -> None:
    port = _registry(c, client, REGISTRY)
    pinned = core.image(c, client, PINNED)
    known = _repo_digests(pinned, _named(port))
    c.check(f"{PINNED} came from the registry (it has a RepoDigest in {_named(port)})", known,
            found="no image" if pinned is None else "no RepoDigest there: never pushed or pulled",
            expected=f"{_named(port)}@sha256:...")
    served = [(digest, *_manifest(port, digest)[1:]) for digest in known]
    old = next((digest for digest, manifest, _ in served if _describes(digest, manifest, pinned)), None)
    c.check(f"the registry still serves that digest, and it describes {PINNED}", old,
            found=("no image" if pinned is None else "no digest to ask for" if not known
                   else "; ".join(f"{_short(d)}: {said}" for d, _, said in served)),
            expected="HTTP 200, config digest = the image's ID")
    now, manifest, said = _manifest(port, TAG)
    c.check(f"the registry's {TAG} now points to another digest than {PINNED}'s (the tag moved)",
            now is not None and now not in known and not _describes(now, manifest, pinned),
            found=(said if now is None else f"{TAG} is {_short(now)}, the same content as {PINNED}"),
            expected=f"a digest other than {_short(old)}" if old else "another digest")


@task("ex10-3", hints=[
    "Three steps: an htpasswd file with a bcrypt hash of the password, a registry that reads it (mount its "
    "folder, and set REGISTRY_AUTH=htpasswd, REGISTRY_AUTH_HTPASSWD_REALM and REGISTRY_AUTH_HTPASSWD_PATH), "
    "then docker login, docker push and docker logout with DOCKER_CONFIG set, so that the login is written "
    "to that folder's config.json and not to ~/.docker.",
    "htpasswd -Bbn learner \"$(cat /tmp/dockyard-ex10/password.txt)\" > /tmp/dockyard-ex10/auth/htpasswd "
    "(Debian's apache2-utils; in Python, bcrypt.hashpw(password, bcrypt.gensalt(rounds=5)) writes the same "
    "kind of hash). Run the registry with -v /tmp/dockyard-ex10/auth:/auth:ro and -e "
    "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd. docker login --password-stdin reads the password from its "
    "input, so it stays out of your shell's history.",
    "docker run -d --name dockyard-ex10-private -p 127.0.0.1::5000 -v /tmp/dockyard-ex10/auth:/auth:ro -e "
    "REGISTRY_AUTH=htpasswd -e \"REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm\" -e "
    "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd registry:2; then export "
    "DOCKER_CONFIG=/tmp/dockyard-ex10/docker-config, PRIVATE=$(docker port dockyard-ex10-private 5000 | cut "
    "-d: -f2), docker login localhost:$PRIVATE --username learner --password-stdin < "
    "/tmp/dockyard-ex10/password.txt, docker tag dockyard/ex10-app:pinned "
    "localhost:$PRIVATE/dockyard/ex10-app:1.0, docker push localhost:$PRIVATE/dockyard/ex10-app:1.0 and "
    "docker logout localhost:$PRIVATE.",
])
def login(client, c) -> None:
    port = _registry(c, client, PRIVATE)
    code, answer = _ask(port, "/v2/_catalog") if port is not None else (None, "no registry to ask")
    c.check(f"an anonymous GET /v2/_catalog on {PRIVATE} answers 401 (a login is required)", code == 401,
            found=answer if code is None else f"HTTP {code}", expected="HTTP 401")
    code, answer = (_ask(port, "/v2/_catalog", auth=(USER, PASSWORD)) if port is not None
                    else (None, "no registry to ask"))
    listed = _repositories(answer) if code == 200 else []
    c.check(f"with {USER}'s credentials, its catalog lists {REPOSITORY}", REPOSITORY in listed,
            found=answer if code is None else f"HTTP {code}" if code != 200 else ", ".join(listed) or "none",
            expected=REPOSITORY)
    auths, said = _auths(DOCKER_CONFIG)
    c.check(f"{DOCKER_CONFIG}/config.json exists (the client used the exercise's DOCKER_CONFIG)",
            auths is not None, found=said, expected="config.json")
    left = _logged_in(auths or {}, port)
    c.check(f"that config.json holds no login for {PRIVATE}'s address any more (docker logout)",
            auths is not None and port is not None and not left,
            found=("no config.json" if auths is None else "no registry" if port is None
                   else f"auths entry {', '.join(left)}"), expected="no auths entry for it")


def _platform_manifests(index: dict) -> dict[str, str]:
    """{"linux/amd64": digest, ...} of an index's manifests, leaving out attestations (unknown/unknown)."""
    found = {}
    for entry in index.get("manifests") or []:
        platform = entry.get("platform") or {}
        if platform.get("os") and platform.get("os") != "unknown":
            found[f"{platform['os']}/{platform.get('architecture')}"] = entry.get("digest")
    return found


def _blob(port: int, repository: str, digest: str) -> bytes | None:
    code, answer = _ask(port, f"/v2/{repository}/blobs/{digest}")
    return answer.content if code == 200 else None


def _program_cpu(port: int, repository: str, manifest: dict) -> str:
    """The CPU of the first program (ELF file) in the image's layers, the last layer first, as Docker
    names CPUs; or what stood in the way."""
    for layer in reversed(manifest.get("layers") or []):
        data = _blob(port, repository, layer.get("digest", ""))
        if data is None:
            return "a layer the registry does not serve"
        try:
            raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                for member in tar:
                    head = tar.extractfile(member).read(20) if member.isfile() else b""
                    if head[:4] == b"\x7fELF" and len(head) == 20:
                        machine = struct.unpack("<H" if head[5] == 1 else ">H", head[18:20])[0]
                        return ELF_MACHINES.get(machine, f"ELF machine {machine}")
        except (OSError, tarfile.TarError, EOFError):
            return "a layer that is not a tar archive"
    return "no program"


@task("ex10-4", hints=[
    "An index holds one image per platform, and BuildKit builds each from the same Dockerfile with its own "
    "TARGETARCH. A stage that runs on the build machine's platform (--platform=$BUILDPLATFORM) must ask for "
    "the target's files by name, or every image gets the build machine's program.",
    "Read what the fetch stage downloads: apt-get download takes a package for the machine it runs on unless "
    "the name says busybox-static:ARCH, and Debian lists another CPU's packages only after dpkg "
    "--add-architecture ARCH. Declare ARG TARGETARCH in that stage and use it in both. Build with --platform "
    "linux/amd64,linux/arm64 and push the name to dockyard-ex10-registry.",
    "In /tmp/dockyard-ex10/uname/Dockerfile, add ARG TARGETARCH after the first FROM and make the RUN line "
    "dpkg --add-architecture \"$TARGETARCH\" && apt-get update && apt-get download "
    "\"busybox-static:$TARGETARCH\" && dpkg-deb -x busybox-static_*.deb /out; then docker build --platform "
    "linux/amd64,linux/arm64 -t localhost:$PORT/dockyard/ex10-uname:1 /tmp/dockyard-ex10/uname and docker "
    "push localhost:$PORT/dockyard/ex10-uname:1.",
])
def platforms(client, c) -> None:
    port = _registry(c, client, REGISTRY)
    digest, index, said = _manifest(port, "1", repository=UNAME)
    listed = _platform_manifests(index)
    c.check(f"the registry serves {UNAME}:1 as an index of a {' and a '.join(PLATFORMS)} image",
            all(platform in listed for platform in PLATFORMS),
            found=(said if digest is None else "one image, not an index" if "manifests" not in index
                   else ", ".join(sorted(listed)) or "no platform"), expected=", ".join(PLATFORMS))
    for platform in PLATFORMS:
        arch = platform.split("/")[1]
        manifest, config, cpu = {}, {}, "no image for it"
        if port is not None and platform in listed:
            _, manifest, _ = _manifest(port, listed[platform], repository=UNAME)
            blob = _blob(port, UNAME, (manifest.get("config") or {}).get("digest", ""))
            config = json.loads(blob) if blob else {}
            cpu = _program_cpu(port, UNAME, manifest)
        c.check(f"its {platform} image's configuration says {arch}", config.get("architecture") == arch,
                found=config.get("architecture") or "no image for it", expected=arch)
        c.check(f"the program in its {platform} image is compiled for {arch}", cpu == arch,
                found=cpu, expected=arch)
