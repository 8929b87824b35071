"""The Share images checks: wrong or missing work fails by its condition; the right work passes.

Two registries run for the whole module under the names the tasks give, one open and one with logins;
a test that needs a wrong registry parks the right one under a name of its own and renames another into
its place. The images pushed are tiny ones, imported from a tar of one file, under tags of their own
(`dockyard/ex10-test-...`); a test points the names the checks read at one of them, and the fixture takes
those names, and the digests a push or a pull recorded, away again. Nothing here carries a course label:
containers and images are the exercise's by their names, as a learner's are. `docker login` writes only
to the exercise's own DOCKER_CONFIG folder, or a test's own.
"""

import base64
import hashlib
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path

import bcrypt
import pytest
from docker.errors import ImageNotFound
from exercise_support import failed, failures
from image_support import one_file

import dockyard
from dockyard.checks.ex10 import DOCKER_CONFIG, PASSWORD, PINNED, PRIVATE, REGISTRY, USER
from dockyard.images import HOST_ARCH
from dockyard.names import find
from dockyard.reset import planned
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex10")  # ex10's state on the engine is this test's alone
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
FIRST, SECOND = "dockyard/ex10-test-first:1", "dockyard/ex10-test-second:1"
NEVER = "dockyard/ex10-test-local:1"  # never pushed anywhere


def name(port) -> str:
    return f"localhost:{port}/dockyard/ex10-app"


def tiny(client, tag: str) -> str:
    """An image of one small file whose text is its tag: quick to push, and unlike every other."""
    repository, version = tag.rsplit(":", 1)
    client.api.import_image_from_data(one_file(tag), repository=repository, tag=version)
    return tag


def registry(client, container_name: str, start: bool = True, ports=None, **options):
    """registry:2 under a name, published on 127.0.0.1 (or as `ports` says); with its port once it answers."""
    settings = {"name": container_name, "ports": ports or LOCAL, **options}
    if not start:
        return client.containers.create("registry:2", **settings), None
    found = client.containers.run("registry:2", detach=True, **settings)
    port = dockyard.host_port(found, "5000/tcp")
    dockyard.wait_for_http(f"http://127.0.0.1:{port}/v2/", timeout=30, container=found)
    return found, port


def htpasswd(folder, line: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "htpasswd").write_text(line + "\n")
    return str(folder)


def with_logins(folder) -> dict:
    return {"volumes": {folder: {"bind": "/auth", "mode": "ro"}},
            "environment": {"REGISTRY_AUTH": "htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM": "Registry Realm",
                            "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd"}}


@pytest.fixture(scope="module")
def images(client):
    dockyard.cleanup(client, "ex10", images=True)
    made = [tiny(client, tag) for tag in (FIRST, SECOND, NEVER)]
    yield made
    dockyard.cleanup(client, "ex10", images=True)
    shutil.rmtree(DOCKER_CONFIG, ignore_errors=True)
    with suppress(OSError):  # the exercise's folder, if the logins here made it and nothing else is in it
        Path(DOCKER_CONFIG).parent.rmdir()


@pytest.fixture(scope="module")
def open_registry(client, images):
    found, port = registry(client, REGISTRY)
    yield found, port
    found.remove(force=True, v=True)


@pytest.fixture(scope="module")
def private(client, images, tmp_path_factory):
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()  # as `htpasswd -Bbn` writes
    found, port = registry(client, PRIVATE, **with_logins(htpasswd(tmp_path_factory.mktemp("auth"),
                                                                   f"{USER}:{hashed}")))
    yield found, port
    found.remove(force=True, v=True)


@pytest.fixture(autouse=True)
def clean(client, open_registry, private):
    """Between tests: the names the checks read gone, the digests pushes and pulls recorded forgotten, and
    no client configuration; the registries themselves, and what they store, stay."""
    def tidy():
        for port in (open_registry[1], private[1]):
            for tag in (f"{name(port)}:1.0", PINNED):
                try:
                    client.images.remove(tag)  # only untags: every image keeps a tag of its own
                except ImageNotFound:
                    pass
        for tag in (FIRST, SECOND, NEVER):
            # a registry's digests only: the containerd image store also lists the image's own
            # name@sha256, and removing that would remove the image
            for digest in client.images.get(tag).attrs.get("RepoDigests") or []:
                if digest.startswith("localhost:"):
                    with suppress(ImageNotFound):  # a push's digest, with no image record of its own
                        client.images.remove(digest)
        shutil.rmtree(DOCKER_CONFIG, ignore_errors=True)
    tidy()
    yield
    tidy()


@contextmanager
def standing_in(client, unique, container, role: str):
    """`container` under the task's name `role` for a while; whatever had that name waits under another."""
    held = find(client, "container", role)
    if held is not None:
        held.rename(f"{unique}-parked-{role}")
    if container is not None:
        container.rename(role)
    try:
        yield
    finally:
        now = find(client, "container", role)  # the stand-in, or what the test started under that name
        if now is not None:
            now.remove(force=True, v=True)
        if held is not None:
            held.rename(role)


def push(client, image: str, port: int, tag: str = "1.0") -> str:
    """docker tag and docker push; the digest the push recorded."""
    repository = name(port)
    client.images.get(image).tag(repository, tag)
    run(f"docker push -q {repository}:{tag}")
    digests = client.images.get(f"{repository}:{tag}").attrs["RepoDigests"]
    return next(entry.split("@")[1] for entry in digests if entry.startswith(f"{repository}@"))


def login(port: int, folder: str = DOCKER_CONFIG, out: bool = True) -> None:
    """docker login, a push of the first image, and (unless `out` is False) docker logout, as a learner
    types them, with DOCKER_CONFIG pointing at `folder`."""
    config = f"DOCKER_CONFIG={folder}"
    run(f"{config} docker login localhost:{port} --username {USER} --password-stdin <<< '{PASSWORD}'")
    run(f"docker tag {FIRST} {name(port)}:1.0 && {config} docker push -q {name(port)}:1.0")
    if out:
        run(f"{config} docker logout localhost:{port}")


def test_an_engine_without_the_registries_fails_every_task(client, unique):
    with standing_in(client, unique, None, REGISTRY), standing_in(client, unique, None, PRIVATE):
        assert f"container {REGISTRY} exists" in failed(client, "ex10-1")
        assert f"image {PINNED} exists" in failed(client, "ex10-2")
        assert f"container {PRIVATE} exists" in failed(client, "ex10-3")


# ex10-1: run a registry and push to it

def pushed_labels(port) -> list[str]:
    return ["the registry serves a manifest for dockyard/ex10-app:1.0 "
            "(GET /v2/dockyard/ex10-app/manifests/1.0)",
            f"its digest is a RepoDigest of {name(port)}:1.0 (the registry holds what this engine pushed)",
            f"the manifest describes {name(port)}:1.0: its config digest is the image's ID "
            "(on the containerd image store, its own digest is)"]


def test_ex10_1_accepts_the_image_pushed_to_a_registry_on_127_0_0_1(client, open_registry):
    push(client, FIRST, open_registry[1])
    assert failures(client, "ex10-1") == []


def test_ex10_1_rejects_a_registry_published_on_all_interfaces(client, unique):
    # Created, never started: nothing listens on all interfaces during the test.
    wide, _ = registry(client, f"{unique}-wide", start=False, ports={"5000/tcp": None})
    with standing_in(client, unique, wide, REGISTRY):
        assert failed(client, "ex10-1") == [
            f"{REGISTRY} is running", f"{REGISTRY} publishes 5000/tcp on 127.0.0.1 only",
            f"{REGISTRY} answers the registry API on 127.0.0.1 (GET /v2/)",
            f"image {name('PORT')}:1.0 exists", *pushed_labels("PORT")]


def test_ex10_1_rejects_a_tag_never_pushed(client, unique):
    empty, port = registry(client, f"{unique}-empty")
    client.images.get(FIRST).tag(name(port), "1.0")
    with standing_in(client, unique, empty, REGISTRY):
        assert failed(client, "ex10-1") == pushed_labels(port)


def test_ex10_1_rejects_another_image_pushed_under_the_name(client, open_registry):
    port = open_registry[1]
    push(client, FIRST, port)
    client.images.get(NEVER).tag(name(port), "1.0")  # the name now on an image that was never pushed
    assert failed(client, "ex10-1") == pushed_labels(port)[1:]


# ex10-2: pin by digest while the tag moves

MOVED = f"the registry's 1.0 now points to another digest than {PINNED}'s (the tag moved)"


def test_ex10_2_accepts_a_pin_by_digest_and_a_moved_tag(client, open_registry):
    port = open_registry[1]
    digest = push(client, FIRST, port)
    run(f"docker pull -q {name(port)}@{digest}")
    run(f"docker tag {name(port)}@{digest} {PINNED}")
    push(client, SECOND, port)
    assert failures(client, "ex10-2") == []
    assert failures(client, "ex10-1") == []  # 1.0 is the new build, pushed from here


def test_ex10_2_rejects_pinned_retagged_from_the_new_build(client, open_registry):
    port = open_registry[1]
    push(client, FIRST, port)
    push(client, SECOND, port)
    run(f"docker pull -q {name(port)}:1.0 && docker tag {name(port)}:1.0 {PINNED}")
    assert failed(client, "ex10-2") == [MOVED]


def test_ex10_2_rejects_a_tag_that_never_moved(client, open_registry):
    push(client, FIRST, open_registry[1])
    client.images.get(FIRST).tag(PINNED)
    assert failed(client, "ex10-2") == [MOVED]


def test_ex10_2_rejects_pinned_built_here_and_never_pushed(client, open_registry):
    push(client, SECOND, open_registry[1])
    client.images.get(NEVER).tag(PINNED)
    assert failed(client, "ex10-2") == [
        f"{PINNED} came from the registry (it has a RepoDigest in {name(open_registry[1])})",
        f"the registry still serves that digest, and it describes {PINNED}"]


# ex10-3: log in to a registry that asks for it

LOGGED_OUT = f"that config.json holds no login for {PRIVATE}'s address any more (docker logout)"
CONFIG = f"{DOCKER_CONFIG}/config.json exists (the client used the exercise's DOCKER_CONFIG)"


def test_ex10_3_accepts_a_login_a_push_and_a_logout(client, private):
    login(private[1])
    assert failures(client, "ex10-3") == []


def test_ex10_3_rejects_a_registry_without_auth(client, unique):
    found, port = registry(client, f"{unique}-open")
    login(port)
    with standing_in(client, unique, found, PRIVATE):
        assert failed(client, "ex10-3") == [
            f"an anonymous GET /v2/_catalog on {PRIVATE} answers 401 (a login is required)"]


def test_ex10_3_rejects_credentials_left_in_the_config(client, private):
    login(private[1], out=False)
    assert failed(client, "ex10-3") == [LOGGED_OUT]


def test_ex10_3_rejects_a_login_in_another_client_configuration(client, private, tmp_path):
    login(private[1], folder=str(tmp_path / "docker"))  # as a login into ~/.docker would be
    assert failed(client, "ex10-3") == [CONFIG, LOGGED_OUT]


def test_ex10_3_rejects_an_htpasswd_without_bcrypt(client, unique, tmp_path):
    # What `htpasswd -s` writes (SHA-1); without -B, htpasswd writes MD5. The registry accepts bcrypt only.
    sha = f"{USER}:{{SHA}}" + base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    found, port = registry(client, f"{unique}-sha", **with_logins(htpasswd(tmp_path / "auth", sha)))
    refused = run(f"DOCKER_CONFIG={DOCKER_CONFIG} docker login localhost:{port} --username {USER} "
                  f"--password-stdin <<< '{PASSWORD}'", check=False)
    assert refused.returncode != 0
    with standing_in(client, unique, found, PRIVATE):
        assert failed(client, "ex10-3") == [f"with {USER}'s credentials, its catalog lists dockyard/ex10-app",
                                            CONFIG, LOGGED_OUT]


def test_ex10_unlabelled_is_the_courses_by_its_names(client, unique):
    """Solved as at work, without a course label, a task passes, and the exercise's clean-up finds its
    container and its tag by their names, leaving a learner's own unlabelled container running."""
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "120"], name=f"{unique}-mine", detach=True)
    try:
        with standing_in(client, unique, None, REGISTRY), standing_in(client, unique, None, PRIVATE):
            run(f"docker run -d --name {REGISTRY} -p 127.0.0.1::5000 registry:2")
            found = client.containers.get(REGISTRY)
            port = dockyard.host_port(found, "5000/tcp")
            dockyard.wait_for_http(f"http://127.0.0.1:{port}/v2/", timeout=30, container=found)
            digest = push(client, FIRST, port)
            assert not found.labels.get("dockyard.chapter")
            assert failures(client, "ex10-1") == []
            assert f"image {name(port)}:1.0" in planned(client, "ex10", images=True)
            client.images.get(SECOND).tag(name(port), "1.0")  # the tag moves on
            # the classic store keeps the push's digest as a name of the first image, which clean-up must
            # find; the containerd store derives RepoDigests from the names an image has, so it keeps none
            if dockyard.image_store(client) == "classic":
                assert f"image {name(port)}@{digest}" in planned(client, "ex10", images=True)
            volume = found.attrs["Mounts"][0]["Name"]
            assert f"container {REGISTRY}" in dockyard.cleanup(client, "ex10")
            assert volume not in [v.name for v in client.volumes.list()]  # the registry's storage went too
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex10-4: one name for two CPUs

def uname_dockerfile(target: bool) -> str:
    """The task's Dockerfile: with `target`, its fetch stage downloads BusyBox for TARGETARCH (the right
    answer); without, for the machine the stage runs on, as the task hands it out."""
    arch = ' && dpkg --add-architecture "$TARGETARCH"' if target else ""
    package = "busybox-static:$TARGETARCH" if target else "busybox-static"
    return (f"FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS fetch\n"
            f"{'ARG TARGETARCH' if target else ''}\nWORKDIR /tmp\n"
            f'RUN true{arch} && apt-get update && apt-get download "{package}" \\\n'
            "    && dpkg-deb -x busybox-static_*.deb /out\n"
            "FROM scratch\nCOPY --from=fetch /out/bin/busybox /bin/busybox\n"
            'ENTRYPOINT ["/bin/busybox"]\nCMD ["uname", "-m"]\n')


@pytest.fixture
def uname(client, open_registry, tmp_path):
    """Build the Dockerfile given for the platforms given, as localhost:PORT/dockyard/ex10-uname:1, and push
    it to the task's registry; the local name goes afterwards."""
    reference = f"localhost:{open_registry[1]}/dockyard/ex10-uname:1"

    def build_and_push(dockerfile: str, platforms: str | None = "linux/amd64,linux/arm64") -> None:
        (tmp_path / "Dockerfile").write_text(dockerfile)
        flag = f"--platform {platforms} " if platforms else ""
        run(f"docker build -q {flag}-t {reference} {tmp_path}")
        run(f"docker push -q {reference}")

    yield build_and_push
    with suppress(ImageNotFound):
        client.images.remove(reference)


def platform_labels(platform: str) -> list[str]:
    arch = platform.split("/")[1]
    return [f"its {platform} image's configuration says {arch}",
            f"the program in its {platform} image is compiled for {arch}"]


INDEX = "the registry serves dockyard/ex10-uname:1 as an index of a linux/amd64 and a linux/arm64 image"
ORDER = [INDEX, *platform_labels("linux/amd64"), *platform_labels("linux/arm64")]  # as the check lists them


def test_ex10_4_accepts_an_index_whose_images_each_hold_their_own_cpus_program(client, uname):
    uname(uname_dockerfile(target=True))  # with BuildKit's attestations, as a plain build adds them
    assert failures(client, "ex10-4") == []


def test_ex10_4_rejects_the_given_dockerfile_whose_images_both_hold_the_build_machines_program(client, uname):
    uname(uname_dockerfile(target=False))
    other = "linux/arm64" if HOST_ARCH == "amd64" else "linux/amd64"
    assert failures(client, "ex10-4") == [
        f"{platform_labels(other)[1]}: found {HOST_ARCH}, expected {other.split('/')[1]}"]


def test_ex10_4_rejects_a_build_for_this_machines_platform_alone(client, uname):
    uname(uname_dockerfile(target=True), platforms=None)
    # the containerd image store pushes an index even so (the image and its attestation), the classic
    # store one image's manifest, which lists no platform at all
    own = [] if dockyard.image_store(client) == "containerd" else platform_labels(f"linux/{HOST_ARCH}")
    other = "linux/arm64" if HOST_ARCH == "amd64" else "linux/amd64"
    assert failed(client, "ex10-4") == sorted([INDEX, *own, *platform_labels(other)], key=ORDER.index)


def test_ex10_4_rejects_an_index_for_another_second_cpu(client, uname):
    uname(uname_dockerfile(target=True), platforms="linux/amd64,linux/s390x")  # Debian calls it s390x too
    assert failed(client, "ex10-4") == [INDEX, *platform_labels("linux/arm64")]
