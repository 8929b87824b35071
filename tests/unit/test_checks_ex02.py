"""The Images checks: each plausible wrong answer fails by the condition it misses; the right answer,
typed without any course label, passes.

Each variant image is built once per module, as a learner builds it (BuildKit, no label), under a tag of
its own (`dockyard/ex02-test-...`); a test points the tags a check reads at variants, and the fixture takes
those tags away again. Only ex02-3's setup builds carry the chapter's label, as the notebook's setup cell
gives them, and go after each test.
"""

import shutil

import image_support
import pytest
from exercise_support import failed, tidy
from image_support import buildkit, prune

import dockyard
from dockyard import listing, reset
from dockyard.checks import proof, read
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex02")  # ex02's state on the engine is this test's alone
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
CHECKED = ["dockyard/ex02-1-app:1.0", "dockyard/ex02-2-app:stable", "dockyard/ex02-2-app:edge",
           "dockyard/ex02-3-app:1", "dockyard/ex02-3-app:0.9", "dockyard/ex02-3-app:old",
           "dockyard/ex02-4-tiny:1"]
EMPTY = {
    "ex02-1": "image dockyard/ex02-1-app:1.0 exists",
    "ex02-2": "image dockyard/ex02-2-app:stable exists",
    "ex02-3": "container dockyard-ex02-3-old still exists",
    "ex02-4": "image dockyard/ex02-4-tiny:1 exists",
}


@pytest.fixture(scope="module", autouse=True)
def variants(client):
    dockyard.cleanup(client, "ex02", images=True)
    dockyard.sample_image(client)
    yield
    dockyard.cleanup(client, "ex02", images=True)


@pytest.fixture(autouse=True)
def clean(client):
    tidy(client, "ex02", CHECKED)
    yield
    tidy(client, "ex02", CHECKED)


def build(tag, context="sample-app", dockerfile=None, flags=""):
    """A BuildKit build, as the learner runs it; a Dockerfile given as text goes in on stdin."""
    if dockerfile is None:
        run(f"docker build -q {flags} -t {tag} {context}")
    else:
        run(f"docker build -q {flags} -t {tag} - <<'EOF'\n{dockerfile}\nEOF")
    return tag


def use(client, variant, tag):
    repository, version = tag.rsplit(":", 1)
    client.images.get(variant).tag(repository, version)


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex02-1: the sample app, built and named

APP = "dockyard/ex02-1-app:1.0"
STEPS = ("dockyard/ex02-1-app:1.0's own steps are sample-app/Dockerfile's, from one build "
         "(WORKDIR, COPY, RUN, COPY, EXPOSE, CMD)")
OWN = "it is a build of your own, not the course's dockyard/sample-app:latest renamed or built FROM it"


@pytest.fixture(scope="module")
def app():
    return build("dockyard/ex02-test-app:1")


def test_ex02_1_rejects_a_one_line_dockerfile_from_the_course_image(client):
    use(client, build("dockyard/ex02-test-from-sample:1", dockerfile=f"FROM {dockyard.SAMPLE_IMAGE}"), APP)
    assert failed(client, "ex02-1") == [OWN]


def test_ex02_1_rejects_a_commit_of_a_container_of_the_build(client, app):
    container = client.containers.create(app, name="dockyard-ex02-1-app")
    image_support.commit(container, "dockyard/ex02-1-app", "1.0")
    assert failed(client, "ex02-1") == [STEPS]


def test_ex02_1_rejects_an_image_from_another_dockerfile(client):
    use(client, build("dockyard/ex02-test-server:1",
                      dockerfile='FROM python:3.11-slim\nCMD ["python3", "-m", "http.server"]'), APP)
    assert failed(client, "ex02-1") == [STEPS, "its working directory is /app",
                                        "its command is python app.py", "it exposes 5000/tcp"]


def test_ex02_1_rejects_the_app_configured_on_the_wrong_base(client):
    configured = 'FROM debian:bookworm-slim\nWORKDIR /app\nEXPOSE 5000\nCMD ["python", "app.py"]'
    use(client, build("dockyard/ex02-test-debian-app:1", dockerfile=configured), APP)
    assert failed(client, "ex02-1") == [
        "it is built on python:3.11-slim (its layers begin with python:3.11-slim's)", STEPS]


def test_ex02_1_reads_either_builder_s_history_as_the_dockerfile_s_steps():
    wanted = proof.dockerfile_steps(dockyard.SAMPLE_APP / "Dockerfile")
    pip = "pip install --no-cache-dir -r requirements.txt"
    buildkit = ["WORKDIR /app", "COPY requirements.txt . # buildkit", f"RUN /bin/sh -c {pip} # buildkit",
                "COPY . . # buildkit", "EXPOSE [5000/tcp]", 'CMD ["python" "app.py"]']
    classic = ["/bin/sh -c #(nop) WORKDIR /app", "/bin/sh -c #(nop) COPY file:bab6bf5f in . ",
               f"/bin/sh -c {pip}", "/bin/sh -c #(nop) COPY dir:964a02a9 in . ",
               "/bin/sh -c #(nop)  EXPOSE 5000", '/bin/sh -c #(nop)  CMD ["python" "app.py"]']
    assert proof.same_steps(buildkit, wanted) and proof.same_steps(classic, wanted)
    assert proof.instruction("|1 X=1 /bin/sh -c true") == ("RUN", "true")
    committed = buildkit + ["python app.py"]  # what docker commit records: the container's command
    assert not proof.same_steps(committed, wanted) and proof.not_built(committed) == ["python app.py"]


def test_ex02_1_accepts_the_sample_app_built_without_a_label(client, app):
    use(client, app, APP)
    assert failed(client, "ex02-1") == []


# ex02-2: a stable tag and an edge build

EDGE_STEPS = ("dockyard/ex02-2-app:edge's own steps are sample-app/Dockerfile's, from one build "
              "(WORKDIR, COPY, RUN, COPY, EXPOSE, CMD)")
STABLE_GET = "GET / on dockyard-ex02-2-stable's published port answers 200 Hello from Docker!"
TYPED = ("from flask import Flask; app = Flask('edge'); app.get('/')(lambda: 'Hello from the edge!'); "
         "app.run(host='0.0.0.0', port=5000)")


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex02") / "edge"
    shutil.copytree(dockyard.SAMPLE_APP, folder)
    source = folder / "app.py"
    source.write_text(source.read_text().replace("Hello from Docker!", "Hello from the edge!"))
    return build("dockyard/ex02-test-edge:1", context=folder)


def web(client, role, image, start=True, ports=LOCAL, **options):
    create = client.containers.run if start else client.containers.create
    extra = {"detach": True} if start else {}
    container = create(image, name=f"dockyard-ex02-2-{role}", init=True, ports=ports, **options, **extra)
    if start and ports:  # the check gives a fresh app a few seconds; under load it may need more
        dockyard.wait_for_http(f"http://127.0.0.1:{dockyard.host_port(container)}/", container=container)
    return container


def tags(client, app, edge, stable_from=None):
    use(client, app, APP)
    use(client, edge, "dockyard/ex02-2-app:edge")
    use(client, stable_from or app, "dockyard/ex02-2-app:stable")


def test_ex02_2_rejects_stable_naming_the_edge_build(client, app, edge):
    tags(client, app, edge, stable_from=edge)
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == [
        "dockyard/ex02-2-app:stable is the same image as dockyard/ex02-1-app:1.0 (same ID)",
        "dockyard/ex02-2-app:edge is a new build, not the image dockyard/ex02-2-app:stable names", STABLE_GET]


def test_ex02_2_rejects_an_unpublished_stable_and_an_edge_never_started(client, app, edge):
    tags(client, app, edge)
    web(client, "stable", "dockyard/ex02-2-app:stable", ports=None)
    web(client, "edge", "dockyard/ex02-2-app:edge", start=False)
    assert failed(client, "ex02-2") == [
        "dockyard-ex02-2-stable publishes 5000/tcp on 127.0.0.1 only",
        "Docker picked dockyard-ex02-2-stable's host port (none fixed in its configuration)", STABLE_GET,
        "dockyard-ex02-2-edge is running",
        "GET / on dockyard-ex02-2-edge's published port answers 200 Hello from the edge!"]


def test_ex02_2_rejects_an_edge_that_is_the_stable_image_serving_a_typed_greeting(client, app, edge):
    tags(client, app, app)
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge", command=["python", "-c", TYPED])
    assert failed(client, "ex02-2") == [
        "dockyard/ex02-2-app:edge is a new build, not the image dockyard/ex02-2-app:stable names",
        "dockyard-ex02-2-edge runs the image's own command (none given when it was run)"]


def test_ex02_2_accepts_the_stable_container_run_by_the_first_tag_of_the_same_image(client, app, edge):
    tags(client, app, edge)
    web(client, "stable", APP)
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == []


def test_ex02_2_rejects_host_ports_fixed_by_hand(client, app, edge):
    tags(client, app, edge)
    fixed = {"5000/tcp": ("127.0.0.1", dockyard.free_port())}
    web(client, "stable", "dockyard/ex02-2-app:stable", ports=fixed)
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == [
        "Docker picked dockyard-ex02-2-stable's host port (none fixed in its configuration)"]


def test_ex02_2_rejects_an_edge_made_by_editing_the_first_build(client, app, edge):
    sed = f"FROM {app}\nRUN sed -i 's/Hello from Docker!/Hello from the edge!/' app.py"
    tags(client, app, build("dockyard/ex02-test-edge-sed:1", dockerfile=sed))
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == [EDGE_STEPS]


def test_ex02_2_accepts_both_tags_running_side_by_side(client, app, edge):
    tags(client, app, edge)
    web(client, "stable", "dockyard/ex02-2-app:stable")
    web(client, "edge", "dockyard/ex02-2-app:edge")
    assert failed(client, "ex02-2") == []


# ex02-3: dangling, but still in use

APP3 = 'FROM debian:bookworm-slim\nCMD ["echo", "Hello from dockyard/ex02-3-app"]'
OURS = {"dangling": True, "label": "dockyard.chapter=ex02"}
OLD_IS_2 = "dockyard/ex02-3-app:old names build 2 (org.opencontainers.image.version=2)"
SETUPS = "dockyard-ex02-3-old is the setup's container: made from dockyard/ex02-3-app:1 when that was build 2"
TAGGED_OLD = "the image dockyard-ex02-3-old uses is tagged dockyard/ex02-3-app:old"
NO_DANGLING = "no image labelled dockyard.chapter=ex02 is dangling"


@pytest.fixture
def setup_builds(client):
    """What the setup cell makes: builds 1 to 4 of one tag, 1 also as 0.9, a container from 2; all of
    them labelled, as the setup labels them, and removed after the test. BuildKit makes them, as in the
    setup (image_support.buildkit says why not the SDK's legacy builder). As in the setup, each build
    gets its tag afterwards: on the containerd image store, a build that takes a tag
    itself deletes the image that had it instead of leaving it dangling."""
    for version in (1, 2, 3, 4):
        labels = {"dockyard.chapter": "ex02", "org.opencontainers.image.version": str(version)}
        image = buildkit(client, APP3, labels)
        image.tag("dockyard/ex02-3-app", "1")
        if version == 1:
            image.tag("dockyard/ex02-3-app", "0.9")
        if version == 2:
            client.containers.run("dockyard/ex02-3-app:1", name="dockyard-ex02-3-old", detach=True).wait()
    yield client.containers.get("dockyard-ex02-3-old")
    dockyard.cleanup(client, "ex02")
    for image in listing.images(client, {"label": ["dockyard.chapter=ex02"]}):
        client.images.remove(image.id, force=True)


def build_2(client):
    return next(image for image in client.images.list(filters=OURS)
                if image.labels["org.opencontainers.image.version"] == "2")


def test_ex02_3_rejects_the_setup_left_as_it_is(client, setup_builds):
    assert len(client.images.list(filters=OURS)) == 2
    assert failed(client, "ex02-3") == [OLD_IS_2, TAGGED_OLD, NO_DANGLING]


def test_ex02_3_rejects_a_prune_after_removing_the_container(client, setup_builds):
    setup_builds.remove()
    prune(client, OURS)
    assert failed(client, "ex02-3") == [OLD_IS_2, "container dockyard-ex02-3-old still exists", SETUPS,
                                        TAGGED_OLD]


def test_ex02_3_rejects_the_tag_1_moved_back_to_the_old_build(client, setup_builds):
    client.images.get(setup_builds.attrs["Image"]).tag("dockyard/ex02-3-app", "1")
    prune(client, OURS)
    assert failed(client, "ex02-3") == [
        "dockyard/ex02-3-app:1 names build 4 (org.opencontainers.image.version=4)", OLD_IS_2, TAGGED_OLD]


def test_ex02_3_rejects_the_container_made_again_from_1_and_build_4_tagged_old(client, setup_builds):
    setup_builds.remove()
    client.containers.run("dockyard/ex02-3-app:1", name="dockyard-ex02-3-old", detach=True).wait()
    client.images.get("dockyard/ex02-3-app:1").tag("dockyard/ex02-3-app", "old")
    prune(client, OURS)
    assert failed(client, "ex02-3") == [OLD_IS_2, SETUPS]


def test_ex02_3_rejects_the_container_made_again_from_build_2_tagged_old(client, setup_builds):
    setup_builds.remove()
    build_2(client).tag("dockyard/ex02-3-app", "old")
    client.containers.run("dockyard/ex02-3-app:old", name="dockyard-ex02-3-old", detach=True).wait()
    prune(client, OURS)
    assert failed(client, "ex02-3") == [SETUPS]


def test_ex02_3_accepts_the_old_build_tagged_and_the_rest_pruned(client, setup_builds):
    client.images.get(setup_builds.attrs["Image"]).tag("dockyard/ex02-3-app", "old")
    prune(client, OURS)
    assert failed(client, "ex02-3") == []


# ex02-4: a greeting that costs nothing

TINY = "dockyard/ex02-4-tiny:1"
GREETING = "Hello from a tiny image!"
SAYS = f'FROM debian:bookworm-slim\nCMD ["echo", "{GREETING}"]'


@pytest.fixture(scope="module")
def says():
    return build("dockyard/ex02-test-tiny:1", dockerfile=SAYS)


def greeter(client, image, command=None):
    use(client, image, TINY)
    container = client.containers.run(TINY, command, name="dockyard-ex02-4-run", detach=True)
    container.wait(timeout=30)
    return container


def test_ex02_4_rejects_two_layers_of_filler(client):
    filler = build("dockyard/ex02-test-filler:1", dockerfile="FROM debian:bookworm-slim\n"
                   "RUN head -c 2000000 /dev/urandom > /filler\nRUN echo tiny > /name\n"
                   f'CMD ["echo", "{GREETING}"]')
    greeter(client, filler)
    assert failed(client, "ex02-4") == ["it adds at most one layer to debian:bookworm-slim",
                                        "it is at most 1 MB larger than debian:bookworm-slim"]


def test_ex02_4_rejects_a_greeting_typed_when_running(client):
    greeter(client, build("dockyard/ex02-test-bare:1", dockerfile="FROM debian:bookworm-slim"),
            ["echo", GREETING])
    assert failed(client, "ex02-4") == [
        "dockyard-ex02-4-run runs the image's own command (none given when it was run)"]


def test_ex02_4_rejects_a_container_of_an_earlier_build(client, says):
    greeter(client, build("dockyard/ex02-test-hello:1",
                          dockerfile='FROM debian:bookworm-slim\nCMD ["echo", "Hello!"]'))
    use(client, says, TINY)
    assert failed(client, "ex02-4") == ["dockyard-ex02-4-run runs the image dockyard/ex02-4-tiny:1",
                                        f"its output is {GREETING}"]


def test_ex02_4_rejects_an_image_made_by_docker_commit(client):
    made = client.containers.create("debian:bookworm-slim", ["sleep", "1"], name="dockyard-ex02-4-made")
    image_support.commit(made, "dockyard/ex02-test-committed", "1", changes=[f'CMD ["echo", "{GREETING}"]'])
    greeter(client, "dockyard/ex02-test-committed:1")
    assert failed(client, "ex02-4") == [
        "each step it adds to debian:bookworm-slim is a Dockerfile instruction (built, not committed)"]


def test_ex02_4_accepts_a_greeting_in_the_configuration_only(client, says):
    greeter(client, says)
    assert failed(client, "ex02-4") == []


# Typed as at work

def test_an_unlabelled_answer_passes_and_cleanup_takes_it_but_not_a_container_of_yours(client, unique):
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-mine",
                                 init=True, detach=True)
    try:
        run(f"docker build -q -t {TINY} - <<'EOF'\n{SAYS}\nEOF")
        client.containers.run(TINY, name="dockyard-ex02-4-run", detach=True).wait(timeout=30)
        assert dockyard.LABEL not in client.images.get(TINY).labels
        assert failed(client, "ex02-4") == []
        assert f"image {TINY}" in reset.planned(client, "ex02", images=True)
        assert "container dockyard-ex02-4-run" in dockyard.cleanup(client, "ex02")
        assert read.container(client, "dockyard-ex02-4-run") is None
        assert read.status(mine) == "running"
    finally:
        mine.remove(force=True)
