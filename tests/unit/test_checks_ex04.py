"""The Dockerfile checks: each plausible wrong answer fails by its own condition; the right work passes.

Each variant image is built once per module under a tag of its own (`dockyard/ex04-test-...`); a test
points the tag a check reads at one variant, and the fixture takes that tag away again. The learner's
containers are started as at work, without the course's label: the chapter's names make them its own.
"""

import shutil
import time

import docker
import image_support
import pytest
from exercise_support import failed, tidy

import dockyard
from dockyard.shell import REPO, run

pytestmark = pytest.mark.chapter_lock("ex04")  # ex04's state on the engine is this test's alone
APP = REPO / "exercises" / "files" / "ex04" / "app"
CHECKED = ["dockyard/ex04-1-greeter:1", "dockyard/ex04-2-calendar:1", "dockyard/ex04-3-app:1",
           "dockyard/ex04-3-app:2", "dockyard/ex04-4-web:1"]
EMPTY = {
    "ex04-1": "image dockyard/ex04-1-greeter:1 exists",
    "ex04-2": "image dockyard/ex04-2-calendar:1 exists",
    "ex04-3": "image dockyard/ex04-3-app:1 exists",
    "ex04-4": "image dockyard/ex04-4-web:1 exists",
}


@pytest.fixture(scope="module", autouse=True)
def images(client):
    dockyard.cleanup(client, "ex04", images=True)
    yield
    dockyard.cleanup(client, "ex04", images=True)


@pytest.fixture(autouse=True)
def clean(client):
    tidy(client, "ex04", CHECKED)
    yield
    tidy(client, "ex04", CHECKED)


def build(tag, dockerfile, context=None, flags="--label dockyard.chapter=ex04"):
    """docker build with the Dockerfile on standard input, from a context folder or none. The variants
    carry the label so that the module's clean-up removes them whole."""
    source = f"-f- {context}" if context else "-"
    run(f"docker build -q {flags} -t {tag} {source} <<'EOF'\n{dockerfile}\nEOF")
    return tag


def commit(client, tag, command, changes):
    """What `docker commit` makes: a container of python:3.11-slim runs `command`, and its file system
    becomes an image with `changes` to the configuration (CMD, ENV, ...), each without a history line."""
    container = client.containers.run("python:3.11-slim", command, name="dockyard-ex04-test-commit",
                                      detach=True)
    try:
        container.wait(timeout=30)
        repository, version = tag.rsplit(":", 1)
        image_support.commit(container, repository, version, changes=changes)
    finally:
        container.remove(force=True)
    return tag


def use(client, variant, tag):
    repository, version = tag.rsplit(":", 1)
    client.images.get(variant).tag(repository, version)


def ran(client, image, name, command=None, wait=True, **options):
    """docker run as at work: no course label."""
    container = client.containers.run(image, command, name=name, detach=True, **options)
    if wait:
        container.wait(timeout=30)
    return container


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    labels = failed(client, task_id)
    assert EMPTY[task_id] in labels
    assert any(label.startswith("container dockyard-ex04-") or label.startswith("image dockyard/ex04-3-app:2")
               for label in labels)


# ex04-1: a greeter with its own defaults

GREETER_TAG = "dockyard/ex04-1-greeter:1"
GREETER = """FROM python:3.11-slim
WORKDIR /app
ENV GREETING=hello
LABEL org.opencontainers.image.title=greeter
CMD {cmd}"""
RIGHT_CMD = """["python", "-c", "import os; print(os.environ['GREETING'])"]"""
TRIED_DEFAULT = f"a new container of {GREETER_TAG}, run with no command, prints hello"
GREETER_BUILT = (f"{GREETER_TAG}'s history holds the Dockerfile lines WORKDIR, ENV, LABEL, CMD, "
                 "and no docker commit")
TRIED_OTHER = f"a new container of {GREETER_TAG}, run with another GREETING, prints that value"


@pytest.fixture(scope="module")
def greeter(client):
    return build("dockyard/ex04-test-greeter-right:1", GREETER.format(cmd=RIGHT_CMD))


@pytest.fixture(scope="module")
def bonjour_cmd(client):
    return build("dockyard/ex04-test-greeter-bonjour:1", GREETER.format(cmd='["echo", "bonjour"]'))


def bonjour(client, **options):
    return ran(client, GREETER_TAG, "dockyard-ex04-1-bonjour", environment={"GREETING": "bonjour"}, **options)


def test_ex04_1_rejects_a_cmd_that_prints_bonjour_instead_of_reading_greeting(client, bonjour_cmd):
    use(client, bonjour_cmd, GREETER_TAG)
    bonjour(client)
    assert failed(client, "ex04-1") == [TRIED_DEFAULT, TRIED_OTHER]


def test_ex04_1_rejects_an_exec_form_cmd_that_expects_a_shell(client):
    use(client, build("dockyard/ex04-test-greeter-echo:1", GREETER.format(cmd='["echo", "$GREETING"]')),
        GREETER_TAG)
    bonjour(client)
    assert failed(client, "ex04-1") == [TRIED_DEFAULT, TRIED_OTHER, "dockyard-ex04-1-bonjour printed bonjour"]


def test_ex04_1_rejects_shell_form_another_folder_and_no_title(client):
    shell = "FROM python:3.11-slim\nWORKDIR /srv\nENV GREETING=hello\nCMD echo $GREETING"
    use(client, build("dockyard/ex04-test-greeter-shell:1", shell), GREETER_TAG)
    bonjour(client)
    assert failed(client, "ex04-1") == [
        GREETER_BUILT, f"{GREETER_TAG}'s working folder is /app",
        f"{GREETER_TAG}'s label org.opencontainers.image.title is greeter",
        f"{GREETER_TAG}'s CMD is in exec form (a JSON list, no /bin/sh -c)"]


def test_ex04_1_rejects_a_container_that_typed_the_greeting_itself(client, greeter):
    use(client, greeter, GREETER_TAG)
    ran(client, GREETER_TAG, "dockyard-ex04-1-bonjour", ["python", "-c", "print('bonjour')"])
    assert failed(client, "ex04-1") == [
        "dockyard-ex04-1-bonjour runs the image's CMD (no command of its own)",
        "dockyard-ex04-1-bonjour's environment sets GREETING=bonjour"]


def test_ex04_1_rejects_a_container_of_an_earlier_build(client, greeter, bonjour_cmd):
    # The container ran the build that printed a typed word; the tag was then moved to a right build.
    use(client, bonjour_cmd, GREETER_TAG)
    bonjour(client)
    use(client, greeter, GREETER_TAG)
    assert failed(client, "ex04-1") == [
        f"dockyard-ex04-1-bonjour runs the image {GREETER_TAG}",
        "dockyard-ex04-1-bonjour runs the image's CMD (no command of its own)"]


def test_ex04_1_rejects_an_image_made_with_docker_commit(client):
    commit(client, GREETER_TAG, ["mkdir", "-p", "/app"], [
        "WORKDIR /app", "ENV GREETING=hello", "LABEL org.opencontainers.image.title=greeter",
        f"CMD {RIGHT_CMD}"])
    bonjour(client)
    assert failed(client, "ex04-1") == [
        GREETER_BUILT]


def test_ex04_1_accepts_the_right_image_and_container(client, greeter):
    use(client, greeter, GREETER_TAG)
    bonjour(client)
    assert failed(client, "ex04-1") == []


# ex04-2: a calendar image, ENTRYPOINT and CMD

CALENDAR = "dockyard/ex04-2-calendar:1"
CALENDAR_BUILT = f"{CALENDAR}'s history holds the Dockerfile lines ENTRYPOINT, CMD, and no docker commit"
RIGHT_CALENDAR = 'FROM python:3.11-slim\nENTRYPOINT ["python", "-m", "calendar"]\nCMD ["2000", "1"]'


def calendars(client, july_starts=True, **july):
    ran(client, CALENDAR, "dockyard-ex04-2-default")
    if july_starts:
        ran(client, CALENDAR, "dockyard-ex04-2-july", july.pop("command", ["1969", "7"]), **july)
        return
    container = client.containers.create(CALENDAR, ["1969", "7"], name="dockyard-ex04-2-july")
    with pytest.raises(docker.errors.APIError):
        container.start()  # no program called 1969


def test_ex04_2_rejects_a_shell_form_entrypoint_that_ignores_every_argument(client):
    shell = 'FROM python:3.11-slim\nENTRYPOINT python -m calendar\nCMD ["2000", "1"]'
    use(client, build("dockyard/ex04-test-calendar-shell:1", shell), CALENDAR)
    calendars(client)
    assert failed(client, "ex04-2") == [
        f"{CALENDAR}'s ENTRYPOINT runs python -m calendar in exec form",
        "dockyard-ex04-2-default printed January 2000", "dockyard-ex04-2-july printed July 1969"]


def test_ex04_2_rejects_everything_in_cmd_where_arguments_replace_the_program(client):
    only_cmd = 'FROM python:3.11-slim\nCMD ["python", "-m", "calendar", "2000", "1"]'
    use(client, build("dockyard/ex04-test-calendar-cmd:1", only_cmd), CALENDAR)
    calendars(client, july_starts=False)
    assert failed(client, "ex04-2") == [
        CALENDAR_BUILT,
        f"{CALENDAR}'s ENTRYPOINT runs python -m calendar in exec form",
        f"{CALENDAR}'s CMD is the default arguments 2000 1",
        "dockyard-ex04-2-july has exited with code 0", "dockyard-ex04-2-july printed July 1969"]


def test_ex04_2_rejects_a_july_container_that_replaced_the_entrypoint(client):
    use(client, build("dockyard/ex04-test-calendar-right:1", RIGHT_CALENDAR), CALENDAR)
    calendars(client, entrypoint=["python"], command=["-m", "calendar", "1969", "7"])
    assert failed(client, "ex04-2") == [
        "dockyard-ex04-2-july keeps the image's ENTRYPOINT and was given the command 1969 7"]


def test_ex04_2_rejects_an_image_made_with_docker_commit(client):
    commit(client, CALENDAR, ["true"], ['ENTRYPOINT ["python", "-m", "calendar"]', 'CMD ["2000", "1"]'])
    calendars(client)
    assert failed(client, "ex04-2") == [
        CALENDAR_BUILT]


def test_ex04_2_accepts_an_entrypoint_with_default_arguments(client):
    use(client, build("dockyard/ex04-test-calendar-right:1", RIGHT_CALENDAR), CALENDAR)
    calendars(client)
    assert failed(client, "ex04-2") == []


def test_ex04_2_typed_without_any_label_passes_and_cleanup_removes_it_but_not_yours(client, unique):
    build(CALENDAR, RIGHT_CALENDAR, flags="")  # docker build -t ... as at work
    calendars(client)
    assert client.images.get(CALENDAR).labels.get(dockyard.LABEL) is None
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-mine",
                                 init=True, detach=True)
    try:
        assert failed(client, "ex04-2") == []
        removed = dockyard.cleanup(client, "ex04", images=True)
        assert {"container dockyard-ex04-2-default", "container dockyard-ex04-2-july",
                f"image {CALENDAR}"} <= set(removed)
        assert not client.containers.list(all=True, filters={"name": "dockyard-ex04-2-"})
        with pytest.raises(docker.errors.ImageNotFound):
            client.images.get(CALENDAR)
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex04-3: dependencies before code, proven by the cache

GOOD_ORDER = """FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]"""
BAD_ORDER = """FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]"""
REUSE = "dockyard/ex04-3-app:2 reuses dockyard/ex04-3-app:1's layers up to and including pip install " \
        "(the cache answered them)"
SAME_DOCKERFILE = "dockyard/ex04-3-app:2 was built from the same Dockerfile as dockyard/ex04-3-app:1"
EDITED = "dockyard/ex04-3-app:2's app.py differs from dockyard/ex04-3-app:1's (your edit of app.py)"
NEW_LAYER = "dockyard/ex04-3-app:2 has a layer that dockyard/ex04-3-app:1 lacks (your edit of app.py)"


def small_app(folder):
    # No dependencies to download: pip install runs in a second, and the order is what the check reads.
    folder.mkdir()
    (folder / "app.py").write_text("print('hello')\n")
    (folder / "requirements.txt").write_text("# nothing to install\n")
    return folder


def edit(folder, line, name="app.py"):
    with open(folder / name, "a") as source:
        source.write(f"# {line}\n")


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    """Good order before and after an edit (cached), then after a second edit with --no-cache; the good
    order with an edit made by a step of its own, and with requirements.txt edited in place of app.py; bad
    order before and after an edit. Built in this sequence, so the cached rebuilds find the first build's
    steps."""
    good, bad, deps = (small_app(tmp_path_factory.mktemp("ex04") / name) for name in ("good", "bad", "deps"))
    built = {"good-1": build("dockyard/ex04-test-app-good:1", GOOD_ORDER, good)}
    step = GOOD_ORDER + "\nRUN echo '# edited' >> app.py"
    built["step-2"] = build("dockyard/ex04-test-app-step:2", step, good)
    edit(deps, "pinned", "requirements.txt")
    built["deps-2"] = build("dockyard/ex04-test-app-deps:2", GOOD_ORDER, deps)
    edit(good, "edited")
    built["good-2"] = build("dockyard/ex04-test-app-good:2", GOOD_ORDER, good)
    edit(good, "edited again")
    built["no-cache-2"] = build("dockyard/ex04-test-app-no-cache:2", GOOD_ORDER, good,
                                flags="--label dockyard.chapter=ex04 --no-cache")
    built["bad-1"] = build("dockyard/ex04-test-app-bad:1", BAD_ORDER, bad)
    edit(bad, "edited")
    built["bad-2"] = build("dockyard/ex04-test-app-bad:2", BAD_ORDER, bad)
    return built


def pair(client, orders, first, second):
    use(client, orders[first], "dockyard/ex04-3-app:1")
    use(client, orders[second], "dockyard/ex04-3-app:2")


def test_ex04_3_rejects_the_code_copied_before_pip_install(client, orders):
    pair(client, orders, "bad-1", "bad-2")
    assert failed(client, "ex04-3") == ["a COPY of requirements.txt alone comes before pip install",
                                        "no COPY before pip install brings in the code",
                                        "the app's code is copied after pip install", REUSE]


def test_ex04_3_rejects_a_second_image_without_the_edit(client, orders):
    pair(client, orders, "good-1", "good-1")
    assert failed(client, "ex04-3") == [EDITED, NEW_LAYER]


def test_ex04_3_rejects_an_edit_made_by_an_extra_step_in_place_of_editing_app_py(client, orders):
    pair(client, orders, "good-1", "step-2")
    assert failed(client, "ex04-3") == [SAME_DOCKERFILE]


def test_ex04_3_rejects_requirements_edited_in_place_of_the_code(client, orders):
    pair(client, orders, "good-1", "deps-2")
    assert failed(client, "ex04-3") == [EDITED, REUSE]


def test_ex04_3_rejects_a_rebuild_that_bypassed_the_cache(client, orders):
    pair(client, orders, "good-1", "no-cache-2")
    assert failed(client, "ex04-3") == [REUSE]


def test_ex04_3_accepts_a_rebuild_that_reused_pip_install(client, orders):
    pair(client, orders, "good-1", "good-2")
    assert failed(client, "ex04-3") == []


# ex04-4: a production image and its running container

WEB = "dockyard/ex04-4-web:1"
PRODUCTION = """FROM python:3.11-slim
RUN useradd --uid 10001 --no-create-home appuser
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .{extra}
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \\
  {health}
CMD ["python", "app.py"]"""
PROBE = """CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health')"]"""
IGNORE = ".env\n.venv\ntests\n**/__pycache__\n**/*.pyc\n"
SECRET_LABEL = f"the secret from .env is in none of {WEB}'s layers, nor in its configuration or history"
HEALTH_LABEL = f"{WEB}'s HEALTHCHECK fails where the app is not running (it asks the app)"


def project(folder, ignore=IGNORE):
    """The app with the clutter of ex04-4's setup cell (zeros, not random bytes, so the cache can answer)."""
    shutil.copytree(APP, folder)
    (folder / ".env").write_text("SECRET_KEY=ex04-fake-secret-do-not-ship\n")
    for path in (".venv/lib", "__pycache__", "tests/__pycache__"):
        (folder / path).mkdir(parents=True)
    (folder / ".venv/lib/libbig.so").write_bytes(bytes(40_000_000))
    (folder / "tests/test_app.py").write_text("from app import app\n")
    (folder / "__pycache__/app.cpython-311.pyc").touch()
    (folder / "tests/__pycache__/test_app.cpython-311.pyc").touch()
    if ignore:
        (folder / ".dockerignore").write_text(ignore)
    return folder


def production_file(extra="", health=PROBE):
    return PRODUCTION.format(extra=extra, health=health)


@pytest.fixture(scope="module")
def web_folder(tmp_path_factory):
    return project(tmp_path_factory.mktemp("ex04") / "web")


@pytest.fixture(scope="module")
def production(web_folder):
    return build("dockyard/ex04-test-web-right:1", production_file(), web_folder)


@pytest.fixture(scope="module")
def leaky(tmp_path_factory, production):
    # Root again, no health check, and the whole cluttered folder copied in: no .dockerignore.
    dockerfile = f"FROM {production}\nUSER root\nCOPY . .\nHEALTHCHECK NONE"
    return build("dockyard/ex04-test-web-leaky:1", dockerfile,
                 project(tmp_path_factory.mktemp("ex04") / "web", ignore=None))


@pytest.fixture(scope="module")
def removed_later(tmp_path_factory, production):
    # .env left out of the .dockerignore, then deleted by a later step: the COPY layer still holds it.
    folder = project(tmp_path_factory.mktemp("ex04") / "web", ignore=IGNORE.replace(".env\n", ""))
    return build("dockyard/ex04-test-web-rm-env:1", production_file(extra="\nRUN rm -f .env"), folder)


@pytest.fixture(scope="module")
def always_healthy(web_folder, production):
    return build("dockyard/ex04-test-web-true:1", production_file(health="CMD true"), web_folder)


def serve(client, image, **options):
    use(client, image, WEB)
    container = ran(client, WEB, "dockyard-ex04-4-web", wait=False, init=True, **options)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # let the health check settle, as a learner waits for it
        container.reload()
        if (container.attrs["State"].get("Health") or {}).get("Status") != "starting":
            break
        time.sleep(0.3)
    return container


LOCAL = {"8080/tcp": ("127.0.0.1", None)}


def test_ex04_4_rejects_a_root_image_with_clutter_and_no_health_check(client, leaky):
    serve(client, leaky, ports=LOCAL)
    assert failed(client, "ex04-4") == [
        f"{WEB} runs as a user other than root", f"{WEB} has a HEALTHCHECK", HEALTH_LABEL,
        f"{WEB} adds at most 30 MB to python:3.11-slim", SECRET_LABEL, "dockyard-ex04-4-web is healthy",
        "inside dockyard-ex04-4-web, the app's process runs as a non-root user",
        "inside dockyard-ex04-4-web, /app holds no .env, .venv or __pycache__"]


def test_ex04_4_rejects_a_secret_removed_in_a_later_layer(client, removed_later):
    serve(client, removed_later, ports=LOCAL)
    assert failed(client, "ex04-4") == [SECRET_LABEL]


def test_ex04_4_rejects_a_health_check_that_never_asks_the_app(client, always_healthy):
    serve(client, always_healthy, ports=LOCAL)
    assert failed(client, "ex04-4") == [HEALTH_LABEL]


def test_ex04_4_rejects_a_container_run_as_root_and_not_published(client, production):
    serve(client, production, user="0")
    assert failed(client, "ex04-4") == [
        "dockyard-ex04-4-web publishes 8080/tcp on 127.0.0.1 only",
        "inside dockyard-ex04-4-web, the app's process runs as a non-root user",
        "GET / on the published port answers 200 Hello from the ex04 app!"]


def test_ex04_4_accepts_a_healthy_non_root_container_on_127_0_0_1(client, production):
    serve(client, production, ports=LOCAL)
    assert failed(client, "ex04-4") == []
