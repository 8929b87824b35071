"""The Multi-stage builds checks: wrong or missing work fails by its condition; the right work passes.

Each variant image is built once per module under a tag of its own (`dockyard/ex08-test-...`); a test
points the tags a check reads at variants, and the fixture takes those tags away again. The builder
stages are the notebook's, so BuildKit answers them from its cache after the first run. Nothing here
carries a course label: images and containers are the chapter's by their names, as a learner's are.
"""

import shutil

import image_support
import pytest
from exercise_support import failed, tidy

import dockyard
from dockyard.checks import evaluate
from dockyard.reset import planned
from dockyard.shell import REPO, run

pytestmark = pytest.mark.chapter_lock("ex08")  # ex08's state on the engine is this test's alone
GREET = REPO / "exercises" / "files" / "ex08" / "greet"
SAMPLE = "sample-app"
CHECKED = ["dockyard/ex08-1-app:1", "dockyard/ex08-2-builder:1", "dockyard/ex08-3-app:1",
           "dockyard/ex08-4-app:1"]
EMPTY = {
    "ex08-1": ["image dockyard/ex08-1-app:1 exists", "container dockyard-ex08-1-hello exists",
               "container dockyard-ex08-1-probe exists"],
    "ex08-2": ["image dockyard/ex08-2-builder:1 exists", "container dockyard-ex08-2-probe exists"],
    "ex08-3": ["image dockyard/ex08-3-app:1 exists"],
    "ex08-4": ["image dockyard/ex08-4-app:1 exists", "container dockyard-ex08-4-web exists"],
}
HELLO_CMD = 'CMD ["python", "-c", "import greet; print(greet.hello())"]'
BUILDER = """FROM python:3.11 AS builder
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels ."""
TWO_STAGES = BUILDER + f"""

FROM python:3.11-slim
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*
{HELLO_CMD}"""
SINGLE = f"""FROM python:3.11
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir .
{HELLO_CMD}"""
NOTHING = f"FROM python:3.11-slim\n{HELLO_CMD}"
COPY_THEN_DELETE = BUILDER + f"""

FROM python:3.11-slim
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/* && rm -rf /wheels
{HELLO_CMD}"""
MOUNTED = BUILDER + f"""

FROM python:3.11-slim
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\
    pip install --no-cache-dir --no-index /wheels/*
{HELLO_CMD}"""
VENV = """FROM python:3.11 AS builder
WORKDIR /src
COPY . .
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
COPY --from=builder /venv /venv
CMD ["/venv/bin/python", "-c", "import greet; print(greet.hello())"]"""
PRODUCTION = """FROM python:3.11 AS builder
WORKDIR /src
COPY requirements-c.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements-c.txt

FROM python:3.11-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends libpq5 \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin appuser
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\
    pip install --no-cache-dir --no-index /wheels/*
WORKDIR /app
COPY . .
USER 10001
EXPOSE 5000
CMD ["python", "app.py"]"""
# Build tools left in the final stage: a compiler under its versioned name, and libpq's headers.
VERSIONED_GCC = BUILDER + f"""

FROM python:3.11-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends gcc-12 \\
    && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\
    pip install --no-cache-dir --no-index /wheels/*
{HELLO_CMD}"""
HEADERS = PRODUCTION.replace("libpq5", "libpq-dev")
BINARY = """FROM python:3.11-slim
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin appuser
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
USER 10001
CMD ["python", "app.py"]"""


@pytest.fixture(scope="module", autouse=True)
def images(client):
    dockyard.cleanup(client, "ex08", images=True)
    yield
    dockyard.cleanup(client, "ex08", images=True)


@pytest.fixture(autouse=True)
def clean(client):
    tidy(client, "ex08", CHECKED)
    yield
    tidy(client, "ex08", CHECKED)


def build(tag, dockerfile, context, flags=""):
    """docker build with the Dockerfile on standard input and a context folder."""
    run(f"docker build -q {flags} -t {tag} -f- {context} <<'EOF'\n{dockerfile}\nEOF", timeout=900)
    return tag


def use(client, variant, tag):
    repository, version = tag.rsplit(":", 1)
    client.images.get(variant).tag(repository, version)


def ran(client, image, name, command=None, **options):
    container = client.containers.run(image, command, name=name, detach=True, **options)
    container.wait(timeout=60)
    return container


@pytest.fixture(scope="module")
def greet(tmp_path_factory):
    return shutil.copytree(GREET, tmp_path_factory.mktemp("ex08") / "greet")


@pytest.fixture(scope="module")
def two_stages(greet):
    return build("dockyard/ex08-test-two-stages:1", TWO_STAGES, greet)


@pytest.fixture(scope="module")
def builder(greet):
    return build("dockyard/ex08-test-builder:1", TWO_STAGES, greet, flags="--target builder")


@pytest.fixture(scope="module")
def single(greet):
    return build("dockyard/ex08-test-single:1", SINGLE, greet)


@pytest.fixture(scope="module")
def nothing(greet):
    return build("dockyard/ex08-test-nothing:1", NOTHING, greet)


@pytest.fixture(scope="module")
def versioned_gcc(greet):
    return build("dockyard/ex08-test-versioned-gcc:1", VERSIONED_GCC, greet)


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    labels = failed(client, task_id)
    assert all(label in labels for label in EMPTY[task_id])


# ex08-1: compile in one stage, run in another

APP_1 = "dockyard/ex08-1-app:1"
LOOK = ["sh", "-c", "command -v gcc || echo no compiler"]
ON_SLIM = f"{APP_1} is built on python:3.11-slim"
BUILT_1 = f"each step {APP_1} adds to python:3.11-slim is a Dockerfile instruction (built, not committed)"
STEP_1 = f"none of {APP_1}'s own steps installs a compiler (gcc, build-essential)"
INSIDE_1 = (f"in a throwaway container of {APP_1}, no C compiler on PATH (gcc, cc, clang, versioned ones "
            "such as gcc-12)")
CALLS_GREET = (f"{APP_1}'s CMD prints what greet.hello() returns (run again with a stand-in greet module, "
               "it printed the stand-in's text)")
PROBE_LOOKS = ("dockyard-ex08-1-probe's command looks for a compiler: run again on python:3.11, which has "
               "gcc, it does not print no compiler")
STEP_3 = "none of dockyard/ex08-3-app:1's own steps installs a compiler (gcc, build-essential)"


def solve_1(client, variant, probe=LOOK):
    use(client, variant, APP_1)
    ran(client, APP_1, "dockyard-ex08-1-hello")
    ran(client, APP_1, "dockyard-ex08-1-probe", probe)


def test_ex08_1_rejects_a_single_stage_image_on_the_full_python(client, single):
    solve_1(client, single)
    assert failed(client, "ex08-1") == [ON_SLIM, BUILT_1, STEP_1, INSIDE_1,
                                        "dockyard-ex08-1-probe printed no compiler"]


def test_ex08_1_rejects_a_slim_image_without_the_module_and_a_probe_that_looks_for_nothing(client, nothing):
    solve_1(client, nothing, ["sh", "-c", "echo no compiler"])
    assert failed(client, "ex08-1") == [
        "dockyard-ex08-1-hello has exited with code 0", "dockyard-ex08-1-hello printed Hello from C",
        PROBE_LOOKS]


def test_ex08_1_rejects_a_probe_that_prints_the_answer_behind_a_comment(client, two_stages):
    solve_1(client, two_stages, ["sh", "-c", "echo no compiler #command -v gcc"])
    assert failed(client, "ex08-1") == [PROBE_LOOKS]


def test_ex08_1_rejects_a_cmd_that_echoes_the_greeting(client, greet):
    echo = build("dockyard/ex08-test-echo:1", 'FROM python:3.11-slim\nCMD ["echo", "Hello from C"]', greet)
    solve_1(client, echo)
    assert failed(client, "ex08-1") == [CALLS_GREET]


def test_ex08_1_rejects_a_compiler_left_under_its_versioned_name(client, versioned_gcc):
    solve_1(client, versioned_gcc)
    assert failed(client, "ex08-1") == [STEP_1, INSIDE_1]


def test_ex08_1_accepts_a_two_stage_image_without_a_compiler(client, two_stages):
    solve_1(client, two_stages)
    assert failed(client, "ex08-1") == []


def test_ex08_1_unlabelled_is_the_courses_by_its_names(client, two_stages, unique):
    """Built and run without a course label, the answer passes, and the chapter's clean-up finds it by its
    names (its containers removed, its tag planned for `reset --images`), leaving a learner's own
    unlabelled container running."""
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "120"], name=f"{unique}-mine", detach=True)
    try:
        solve_1(client, two_stages)
        assert not client.images.get(APP_1).labels.get("dockyard.chapter")
        assert failed(client, "ex08-1") == []
        assert f"image {APP_1}" in planned(client, "ex08", images=True)
        removed = dockyard.cleanup(client, "ex08")
        assert {"container dockyard-ex08-1-hello", "container dockyard-ex08-1-probe"} <= set(removed)
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex08-2: the builder stage alone

APP_2 = "dockyard/ex08-2-builder:1"
PROBE = ["sh", "-c", "command -v gcc && ls /wheels"]
BUILT_2 = f"each step {APP_2} adds to python:3.11 is a Dockerfile instruction (built, not committed)"
REREAD = ("dockyard-ex08-2-probe's command reads the image: run again on python:3.11-slim, which has neither "
          "gcc nor /wheels, it prints neither")


def test_ex08_2_rejects_the_final_stage_built_in_place_of_the_builder(client, two_stages):
    use(client, two_stages, APP_1)
    use(client, two_stages, APP_2)
    ran(client, APP_2, "dockyard-ex08-2-probe", PROBE)
    assert failed(client, "ex08-2") == [
        f"{APP_2} is built on python:3.11", BUILT_2, f"{APP_2}'s history holds the builder's pip wheel step",
        "dockyard-ex08-2-probe has exited with code 0", "dockyard-ex08-2-probe printed the path of gcc first",
        "dockyard-ex08-2-probe then listed greet's wheel from /wheels",
        f"dockyard/ex08-1-app:1 (task ex08-1) is at most half the size of {APP_2}"]


def test_ex08_2_rejects_a_probe_without_the_wheels_and_a_single_stage_final_image(client, builder, single):
    use(client, single, APP_1)
    use(client, builder, APP_2)
    ran(client, APP_2, "dockyard-ex08-2-probe", ["sh", "-c", "command -v gcc"])
    assert failed(client, "ex08-2") == [
        "dockyard-ex08-2-probe then listed greet's wheel from /wheels",
        f"dockyard/ex08-1-app:1 (task ex08-1) is at most half the size of {APP_2}"]


def test_ex08_2_rejects_a_probe_that_prints_what_it_should_find(client, builder, two_stages):
    use(client, two_stages, APP_1)
    use(client, builder, APP_2)
    ran(client, APP_2, "dockyard-ex08-2-probe",
        ["sh", "-c", "echo /usr/bin/gcc; echo greet-1.0-cp311-cp311-linux_x86_64.whl"])
    assert failed(client, "ex08-2") == [REREAD]


def test_ex08_2_rejects_a_builder_made_with_docker_commit(client, greet, two_stages, tmp_path):
    use(client, two_stages, APP_1)
    source = shutil.copytree(greet, tmp_path / "greet")
    command = ["sh", "-c", "pip wheel --no-build-isolation --no-cache-dir --wheel-dir /wheels /src"]
    wheel = client.containers.run("python:3.11", command, detach=True,
                                  volumes={str(source): {"bind": "/src", "mode": "rw"}})
    try:
        assert wheel.wait(timeout=300)["StatusCode"] == 0
        image_support.commit(wheel, "dockyard/ex08-2-builder", "1")
    finally:
        wheel.remove(force=True)
    ran(client, APP_2, "dockyard-ex08-2-probe", PROBE)
    assert failed(client, "ex08-2") == [BUILT_2, f"{APP_2}'s history holds the builder's pip wheel step"]


def test_ex08_2_accepts_the_builder_stage_with_its_compiler_and_wheel(client, builder, two_stages):
    use(client, two_stages, APP_1)
    use(client, builder, APP_2)
    ran(client, APP_2, "dockyard-ex08-2-probe", PROBE)
    assert failed(client, "ex08-2") == []


# ex08-3: no wheel in any layer

APP_3 = "dockyard/ex08-3-app:1"
MODULE = f"a layer {APP_3} adds to python:3.11-slim holds greet's compiled module (greet.*.so)"
NO_WHEEL = f"no layer {APP_3} adds to python:3.11-slim holds a wheel (.whl)"


def test_ex08_3_rejects_a_wheel_copied_in_and_deleted_by_a_later_step(client, greet):
    use(client, build("dockyard/ex08-test-deleted:1", COPY_THEN_DELETE, greet), APP_3)
    assert failed(client, "ex08-3") == [NO_WHEEL]


def test_ex08_3_rejects_a_slim_image_without_the_module(client, nothing):
    use(client, nothing, APP_3)
    assert failed(client, "ex08-3") == [MODULE]


def test_ex08_3_rejects_a_single_stage_image_without_reading_its_layers(client, single):
    use(client, single, APP_3)
    assert failed(client, "ex08-3") == [
        f"{APP_3} is built on python:3.11-slim",
        f"each step {APP_3} adds to python:3.11-slim is a Dockerfile instruction (built, not committed)",
        f"none of {APP_3}'s own steps installs a compiler (gcc, build-essential)", MODULE, NO_WHEEL]
    found = {item.label: item.found for item in evaluate(client, "ex08-3").failed}
    assert found[MODULE] == found[NO_WHEEL] == "not built on python:3.11-slim"


def test_ex08_3_rejects_a_compiler_installed_under_its_versioned_name(client, versioned_gcc):
    use(client, versioned_gcc, APP_3)
    assert failed(client, "ex08-3") == [STEP_3]


def test_ex08_3_accepts_wheels_lent_to_pip_by_a_bind_mount(client, greet):
    use(client, build("dockyard/ex08-test-mounted:1", MOUNTED, greet), APP_3)
    assert failed(client, "ex08-3") == []


def test_ex08_3_accepts_a_virtual_environment_copied_from_the_builder(client, greet):
    use(client, build("dockyard/ex08-test-venv:1", VENV, greet), APP_3)
    assert failed(client, "ex08-3") == []


# ex08-4: a production image of the sample app

APP_4 = "dockyard/ex08-4-app:1"
WEB = "dockyard-ex08-4-web"
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
INSIDE_4 = f"inside {WEB}, no C compiler on PATH (gcc, cc, clang, versioned ones such as gcc-12)"
HEADERS_4 = f"inside {WEB}, libpq's C headers are absent (libpq5 alone, no libpq-dev)"


@pytest.fixture(scope="module")
def production():
    return build("dockyard/ex08-test-production:1", PRODUCTION, SAMPLE)


def serve(client, image, **options):
    use(client, image, APP_4)
    return client.containers.run(APP_4, name=WEB, detach=True, init=True, **options)


def test_ex08_4_rejects_the_app_installed_on_the_full_python_as_root(client, production):
    wheels = build("dockyard/ex08-test-production-builder:1", PRODUCTION, SAMPLE, flags="--target builder")
    full = f'FROM {wheels}\nWORKDIR /app\nRUN pip install --no-cache-dir --no-index /wheels/*\nCOPY . .\n' \
           'CMD ["python", "app.py"]'
    serve(client, build("dockyard/ex08-test-full:1", full, SAMPLE), ports=LOCAL)
    assert failed(client, "ex08-4") == [
        f"{APP_4} is built on python:3.11-slim",
        f"each step {APP_4} adds to python:3.11-slim is a Dockerfile instruction (built, not committed)",
        f"{APP_4} runs as a user other than root",
        f"{APP_4} weighs at most 200 MB",
        f"none of {APP_4}'s own steps installs a compiler (gcc, build-essential)",
        f"{WEB} runs as a user other than root", INSIDE_4, HEADERS_4]


def test_ex08_4_rejects_psycopg_binary_on_slim(client):
    binary = build("dockyard/ex08-test-binary:1", BINARY, SAMPLE)
    serve(client, binary, ports=LOCAL)
    assert failed(client, "ex08-4") == [
        f"inside {WEB}, psycopg runs its C implementation (psycopg.pq.__impl__ is c)"]


def test_ex08_4_rejects_a_root_container_on_a_fixed_port(client, production):
    serve(client, production, user="0", ports={"5000/tcp": ("127.0.0.1", dockyard.free_port())})
    assert failed(client, "ex08-4") == [
        f"{WEB} runs as a user other than root",
        "Docker picked the host port (none fixed in its configuration)"]


def test_ex08_4_rejects_libpq_dev_left_in_the_final_image(client):
    serve(client, build("dockyard/ex08-test-headers:1", HEADERS, SAMPLE), ports=LOCAL)
    assert failed(client, "ex08-4") == [HEADERS_4]


def test_ex08_4_accepts_a_non_root_container_without_a_compiler(client, production):
    serve(client, production, ports=LOCAL)
    assert failed(client, "ex08-4") == []
