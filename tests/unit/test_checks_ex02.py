"""The Images checks: wrong or missing work fails by its condition; the right work passes."""

import shutil

import pytest
from exercise_support import failed

import dockyard
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex02")  # ex02's state on the engine is this test's alone
LABELS = {"dockyard.chapter": "ex02"}
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
EMPTY = {
    "ex02-1": "image dockyard/ex02-1-app:1.0 exists",
    "ex02-2": "image dockyard/ex02-2-app:stable exists",
    "ex02-3": "container dockyard-ex02-3-old still exists",
    "ex02-4": "image dockyard/ex02-4-tiny:1 exists",
}


@pytest.fixture(autouse=True)
def clean(client):
    dockyard.cleanup(client, "ex02", images=True)
    yield
    dockyard.cleanup(client, "ex02", images=True)


def build(tag, context="sample-app", dockerfile=None, label="--label dockyard.chapter=ex02", extra=""):
    """A BuildKit build, as the learner runs it; a Dockerfile given as text goes in on stdin."""
    if dockerfile is None:
        run(f"docker build -q {label} {extra} -t {tag} {context}")
    else:
        run(f"docker build -q {label} {extra} -t {tag} - <<'EOF'\n{dockerfile}\nEOF")


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex02-1: the sample app, built and named

def test_ex02_1_rejects_the_sample_app_built_without_the_label(client):
    build("dockyard/ex02-1-app:1.0", label="")
    try:
        assert failed(client, "ex02-1") == ["dockyard/ex02-1-app:1.0 carries the label dockyard.chapter=ex02"]
    finally:
        client.images.remove("dockyard/ex02-1-app:1.0")


def test_ex02_1_rejects_an_image_from_another_dockerfile(client):
    build("dockyard/ex02-1-app:1.0", dockerfile='FROM python:3.11-slim\nCMD ["python3", "-m", "http.server"]')
    assert failed(client, "ex02-1") == [
        "its history holds the sample app's RUN step (pip install --no-cache-dir -r requirements.txt)",
        "its working directory is /app", "its command is python app.py", "it exposes 5000/tcp"]


def test_ex02_1_rejects_the_app_configured_on_the_wrong_base(client):
    build("dockyard/ex02-1-app:1.0",
          dockerfile='FROM debian:bookworm-slim\nWORKDIR /app\nEXPOSE 5000\nCMD ["python", "app.py"]')
    assert failed(client, "ex02-1") == [
        "it is built on python:3.11-slim (its layers begin with python:3.11-slim's)",
        "its history holds the sample app's RUN step (pip install --no-cache-dir -r requirements.txt)"]


def test_ex02_1_accepts_the_sample_app_built_and_labelled(client):
    build("dockyard/ex02-1-app:1.0")
    assert failed(client, "ex02-1") == []


# ex02-2: a stable tag and an edge build

def edge_copy(tmp_path):
    folder = tmp_path / "edge"
    shutil.copytree(dockyard.SAMPLE_APP, folder)
    app = folder / "app.py"
    app.write_text(app.read_text().replace("Hello from Docker!", "Hello from the edge!"))
    return folder


def web(client, role, image, start=True, ports=LOCAL):
    create = client.containers.run if start else client.containers.create
    extra = {"detach": True} if start else {}
    container = create(image, name=f"dockyard-ex02-2-{role}", labels=LABELS, init=True, ports=ports, **extra)
    if start and ports:  # the check gives a fresh app a few seconds; under load it may need more
        dockyard.wait_for_http(f"http://127.0.0.1:{dockyard.host_port(container)}/", container=container)
    return container


def images(client, tmp_path, stable_from="dockyard/ex02-1-app:1.0"):
    build("dockyard/ex02-1-app:1.0")
    build("dockyard/ex02-2-app:edge", context=edge_copy(tmp_path))
    client.images.get(stable_from).tag("dockyard/ex02-2-app", "stable")


def test_ex02_2_rejects_stable_naming_the_edge_build(client, tmp_path):
    images(client, tmp_path, stable_from="dockyard/ex02-2-app:edge")
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == [
        "dockyard/ex02-2-app:stable is the same image as dockyard/ex02-1-app:1.0 (same ID)",
        "dockyard/ex02-2-app:edge is a new build, not the image dockyard/ex02-2-app:stable names",
        "GET / on dockyard-ex02-2-stable's published port answers 200 Hello from Docker!"]


def test_ex02_2_rejects_an_unpublished_stable_and_an_edge_never_started(client, tmp_path):
    images(client, tmp_path)
    web(client, "stable", "dockyard/ex02-2-app:stable", ports=None)
    web(client, "edge", "dockyard/ex02-2-app:edge", start=False)
    assert failed(client, "ex02-2") == [
        "dockyard-ex02-2-stable publishes 5000/tcp on 127.0.0.1 only",
        "GET / on dockyard-ex02-2-stable's published port answers 200 Hello from Docker!",
        "dockyard-ex02-2-edge is running",
        "GET / on dockyard-ex02-2-edge's published port answers 200 Hello from the edge!"]


def test_ex02_2_rejects_a_container_started_from_the_first_tag(client, tmp_path):
    images(client, tmp_path)
    web(client, "stable", "dockyard/ex02-1-app:1.0")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == ["dockyard-ex02-2-stable runs the image dockyard/ex02-2-app:stable"]


def test_ex02_2_accepts_both_tags_running_side_by_side(client, tmp_path):
    images(client, tmp_path)
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == []


# ex02-3: dangling, but still in use

APP3 = 'FROM debian:bookworm-slim\nCMD ["echo", "Hello from dockyard/ex02-3-app"]'
OURS = {"dangling": True, "label": "dockyard.chapter=ex02"}
TAGGED_OLD = "the image dockyard-ex02-3-old uses is tagged dockyard/ex02-3-app:old"
NO_DANGLING = "no image labelled dockyard.chapter=ex02 is dangling"


def four_builds(client):
    """What the setup cell makes: builds 1 to 4 of one tag, 1 also as 0.9, a container from 2."""
    for version in (1, 2, 3, 4):
        also = " -t dockyard/ex02-3-app:0.9" if version == 1 else ""
        build(f"dockyard/ex02-3-app:1{also}", dockerfile=APP3,
              extra=f"--label org.opencontainers.image.version={version}")
        if version == 2:
            client.containers.run("dockyard/ex02-3-app:1", name="dockyard-ex02-3-old", labels=LABELS,
                                  detach=True).wait()
    return client.containers.get("dockyard-ex02-3-old")


def test_ex02_3_rejects_the_setup_left_as_it_is(client):
    four_builds(client)
    assert len(client.images.list(filters=OURS)) == 2
    assert failed(client, "ex02-3") == [TAGGED_OLD, NO_DANGLING]


def test_ex02_3_rejects_a_prune_after_removing_the_container(client):
    four_builds(client).remove()
    client.images.prune(filters=OURS)
    assert failed(client, "ex02-3") == ["container dockyard-ex02-3-old still exists", TAGGED_OLD]


def test_ex02_3_rejects_the_tag_1_moved_back_to_the_old_build(client):
    old = four_builds(client)
    client.images.get(old.attrs["Image"]).tag("dockyard/ex02-3-app", "1")
    client.images.prune(filters=OURS)
    assert failed(client, "ex02-3") == [
        "dockyard/ex02-3-app:1 names build 4 (org.opencontainers.image.version=4)", TAGGED_OLD]


def test_ex02_3_accepts_the_old_build_tagged_and_the_rest_pruned(client):
    old = four_builds(client)
    client.images.get(old.attrs["Image"]).tag("dockyard/ex02-3-app", "old")
    client.images.prune(filters=OURS)
    assert failed(client, "ex02-3") == []


# ex02-4: a greeting that costs nothing

GREETING = "Hello from a tiny image!"


def greeter(client, command=None):
    container = client.containers.run("dockyard/ex02-4-tiny:1", command, name="dockyard-ex02-4-run",
                                      labels=LABELS, detach=True)
    container.wait(timeout=30)
    return container


def test_ex02_4_rejects_two_layers_of_filler(client):
    build("dockyard/ex02-4-tiny:1", dockerfile="FROM debian:bookworm-slim\n"
          "RUN head -c 2000000 /dev/urandom > /filler\nRUN echo tiny > /name\n"
          f'CMD ["echo", "{GREETING}"]')
    greeter(client)
    assert failed(client, "ex02-4") == ["it adds at most one layer to debian:bookworm-slim",
                                        "it is at most 1 MB larger than debian:bookworm-slim"]


def test_ex02_4_rejects_a_greeting_typed_when_running(client):
    build("dockyard/ex02-4-tiny:1", dockerfile="FROM debian:bookworm-slim")
    greeter(client, ["echo", GREETING])
    assert failed(client, "ex02-4") == ["it runs the image's own command (none given when it was run)"]


def test_ex02_4_rejects_a_container_of_an_earlier_build(client):
    build("dockyard/ex02-4-tiny:1", dockerfile='FROM debian:bookworm-slim\nCMD ["echo", "Hello!"]')
    greeter(client)
    build("dockyard/ex02-4-tiny:1", dockerfile=f'FROM debian:bookworm-slim\nCMD ["echo", "{GREETING}"]')
    assert failed(client, "ex02-4") == [
        "dockyard-ex02-4-run runs the current build of dockyard/ex02-4-tiny:1",
        "it runs the image's own command (none given when it was run)",
        f"its output is {GREETING}"]


def test_ex02_4_accepts_a_greeting_in_the_configuration_only(client):
    build("dockyard/ex02-4-tiny:1", dockerfile=f'FROM debian:bookworm-slim\nCMD ["echo", "{GREETING}"]')
    greeter(client)
    assert failed(client, "ex02-4") == []
