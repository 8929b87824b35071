"""The Production images checks: wrong or missing work fails by its condition; the right work passes.

Every variant image is built once per module under a tag of its own (`dockyard/ex09-test-...`), on one
base that installs the sample app's packages (after the first run BuildKit's cache answers it); a test
points the tag a check reads at one variant, and the fixture takes that tag away again. Nothing here
carries a course label: images and containers are the chapter's by their names, as a learner's are.
"""

import hashlib
import time

import image_support
import pytest
from exercise_support import failed, failures, tidy

import dockyard
from dockyard.checks.ex09 import TOKEN
from dockyard.reset import planned
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex09")  # ex09's state on the engine is this test's alone
LOCAL = {"8000/tcp": ("127.0.0.1", None)}
CHECKED = ["dockyard/ex09-1-app:1", "dockyard/ex09-2-app:1", "dockyard/ex09-3-app:1", "dockyard/ex09-4-app:1"]
EMPTY = {
    "ex09-1": "image dockyard/ex09-1-app:1 exists",
    "ex09-2": "image dockyard/ex09-2-app:1 exists",
    "ex09-3": "image dockyard/ex09-3-app:1 exists",
    "ex09-4": "image dockyard/ex09-4-app:1 exists",
}

# The same steps as the notebook's solutions, so the two share BuildKit's cache.
BASE = """FROM python:3.11-slim
RUN groupadd --gid 10001 appuser \\
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin appuser \\
    && install -d -o 10001 -g 10001 /app
WORKDIR /app
COPY requirements.txt requirements-prod.txt ./
RUN pip install --no-cache-dir -r requirements-prod.txt"""
RIGHT = """FROM dockyard/ex09-test-base:1
COPY --chown=10001:10001 . .
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \\
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"]"""
# The first chapters' way: the code root's, the development server, and no USER at all.
ROOT = """FROM dockyard/ex09-test-base:1
COPY . .
CMD ["python", "app.py"]"""
# A USER, but the code copied without --chown: it stays root's.
ROOT_FILES = ROOT.replace("CMD", "USER 10001:10001\nCMD")


@pytest.fixture(scope="module", autouse=True)
def images(client):
    dockyard.cleanup(client, "ex09", images=True)
    yield
    dockyard.cleanup(client, "ex09", images=True)


@pytest.fixture(autouse=True)
def clean(client):
    tidy(client, "ex09", CHECKED)
    yield
    tidy(client, "ex09", CHECKED)


def build(tag, dockerfile, context="sample-app", flags=""):
    """docker build, the Dockerfile on standard input, the sample app (or another folder) as context."""
    run(f"docker build -q {flags} -t {tag} -f- {context} <<'EOF'\n{dockerfile}\nEOF")
    return tag


def use(client, variant, tag):
    repository, version = tag.rsplit(":", 1)
    client.images.get(variant).tag(repository, version)


def started(client, variant, tag, name, health=True, **options):
    """A container of `variant` under the checked tag, once its health has left `starting`."""
    use(client, variant, tag)
    container = client.containers.run(tag, name=name, detach=True, **options)
    deadline = time.monotonic() + 60
    while health and time.monotonic() < deadline:  # as a learner waits for the health check
        container.reload()
        if (container.attrs["State"].get("Health") or {}).get("Status") != "starting":
            break
        time.sleep(0.3)
    if options.get("ports"):
        dockyard.wait_for_http(f"http://127.0.0.1:{dockyard.host_port(container, '8000/tcp')}/", timeout=60,
                               container=container)
    return container


@pytest.fixture(scope="module")
def base():
    return build("dockyard/ex09-test-base:1", BASE)


@pytest.fixture(scope="module")
def right(base):
    return build("dockyard/ex09-test-right:1", RIGHT)


@pytest.fixture(scope="module")
def root(base):
    return build("dockyard/ex09-test-root:1", ROOT)


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    labels = failed(client, task_id)
    assert EMPTY[task_id] in labels
    assert any(label.startswith("container dockyard-ex09-") for label in labels)


# ex09-1: an app that is not root

APP1, WEB1 = "dockyard/ex09-1-app:1", "dockyard-ex09-1-web"
NUMERIC = f"{APP1}'s configured user is a numeric UID other than 0"
OWNED = f"inside {WEB1}, /app and /app/app.py belong to the app's user"
ROOT_INSIDE = f"inside {WEB1}, id -u is not 0 (the app does not run as root)"


def test_ex09_1_rejects_the_first_chapters_root_image(client, root):
    started(client, root, APP1, WEB1, init=True)
    assert failed(client, "ex09-1") == [NUMERIC, ROOT_INSIDE, OWNED]


def test_ex09_1_rejects_a_user_whose_code_stayed_roots(client, base):
    started(client, build("dockyard/ex09-test-root-files:1", ROOT_FILES), APP1, WEB1, init=True)
    assert failed(client, "ex09-1") == [OWNED]


def test_ex09_1_rejects_a_container_started_as_root(client, right):
    started(client, right, APP1, WEB1, user="0")
    assert failed(client, "ex09-1") == [ROOT_INSIDE, OWNED]


def test_ex09_1_rejects_a_user_by_name(client, right):
    started(client, build("dockyard/ex09-test-by-name:1", "FROM dockyard/ex09-test-right:1\nUSER appuser"),
            APP1, WEB1)
    assert failed(client, "ex09-1") == [NUMERIC]


def test_ex09_1_rejects_an_image_made_with_docker_commit(client, root):
    fixed = client.containers.run(root, ["sh", "-c", "chown -R 10001:10001 /app"], detach=True)
    try:
        assert fixed.wait(timeout=60)["StatusCode"] == 0
        image_support.commit(fixed, "dockyard/ex09-test-committed", "1",
                             changes=["USER 10001:10001", 'CMD ["python", "app.py"]'])
    finally:
        fixed.remove(force=True)
    started(client, "dockyard/ex09-test-committed:1", APP1, WEB1, init=True)
    assert failed(client, "ex09-1") == [
        f"each step {APP1} adds to python:3.11-slim is a Dockerfile instruction (built, not committed)"]


def test_ex09_1_accepts_a_numeric_user_that_owns_the_code_and_not_the_packages(client, right):
    started(client, right, APP1, WEB1)
    assert failed(client, "ex09-1") == []


def test_ex09_1_unlabelled_is_the_courses_by_its_names(client, right, unique):
    """Built and run without a course label, the answer passes, and the chapter's clean-up finds it by its
    names (its container removed, its tag planned for `reset --images`), leaving a learner's own
    unlabelled container running."""
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "120"], name=f"{unique}-mine", detach=True)
    try:
        started(client, right, APP1, WEB1)
        assert not client.containers.get(WEB1).labels.get("dockyard.chapter")
        assert failed(client, "ex09-1") == []
        assert f"image {APP1}" in planned(client, "ex09", images=True)
        assert f"container {WEB1}" in dockyard.cleanup(client, "ex09")
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex09-2: Gunicorn in front

APP2, WEB2 = "dockyard/ex09-2-app:1", "dockyard-ex09-2-web"
EXEC_FORM = f"{APP2}'s command starts Gunicorn in exec form (a JSON list, no shell)"
WORKERS = f"in {WEB2}, one Gunicorn master runs at least 2 workers"
NOT_ROOT = f"in {WEB2}, Gunicorn runs as a user other than root (docker top)"
PICKED = "Docker picked the host port (none fixed in its configuration)"


def test_ex09_2_rejects_the_development_server_not_published(client, root):
    started(client, root, APP2, WEB2, init=True)
    assert failed(client, "ex09-2") == [
        EXEC_FORM, WORKERS, NOT_ROOT, f"no Flask development server runs in {WEB2}",
        f"{WEB2} publishes 8000/tcp on 127.0.0.1 only", PICKED,
        "GET / on the published port answers 200 Hello from Docker!"]


def test_ex09_2_rejects_one_worker_in_shell_form_on_a_fixed_port(client, right):
    shell = build("dockyard/ex09-test-shell:1",
                  "FROM dockyard/ex09-test-right:1\nCMD gunicorn --bind 0.0.0.0:8000 app:app")
    started(client, shell, APP2, WEB2, ports={"8000/tcp": ("127.0.0.1", dockyard.free_port())})
    assert failed(client, "ex09-2") == [EXEC_FORM, WORKERS, PICKED]


def test_ex09_2_rejects_gunicorn_run_as_root(client, base):
    as_root = build("dockyard/ex09-test-gunicorn-root:1", """FROM dockyard/ex09-test-base:1
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"]""")
    started(client, as_root, APP2, WEB2, ports=LOCAL)
    assert failed(client, "ex09-2") == [NOT_ROOT]


def test_ex09_2_accepts_gunicorn_workers_on_a_port_docker_picked(client, right):
    started(client, right, APP2, WEB2, ports=LOCAL)
    assert failures(client, "ex09-2") == []


# ex09-3: a container that says how it is

APP3, WEB3 = "dockyard/ex09-3-app:1", "dockyard-ex09-3-web"
BOTH = f"{WEB3} runs with both settings (none overridden)"
ASKS_HEALTH = (f"{APP3}'s HEALTHCHECK fails when the app's /health does (tried where a stand-in answers 503 "
               "there and 200 elsewhere)")


def with_healthcheck(tag, line):
    return build(tag, "FROM dockyard/ex09-test-right:1\n"
                      f"HEALTHCHECK --interval=1s --timeout=3s --retries=1 {line}")


def test_ex09_3_rejects_an_image_without_health_check_or_settings(client, root):
    started(client, root, APP3, WEB3, init=True)
    assert failed(client, "ex09-3") == [
        f"{APP3} has a HEALTHCHECK", ASKS_HEALTH,
        f"{APP3}'s environment sets PYTHONDONTWRITEBYTECODE=1",
        f"{APP3}'s environment sets PYTHONUNBUFFERED=1",
        BOTH, f"{WEB3} is healthy"]


def test_ex09_3_rejects_a_container_that_turned_bytecode_back_on(client, right):
    started(client, right, APP3, WEB3, environment={"PYTHONDONTWRITEBYTECODE": ""})
    assert failed(client, "ex09-3") == [BOTH, f"docker diff shows no bytecode written under /app in {WEB3}"]


def test_ex09_3_rejects_a_health_check_that_needs_curl(client, right):
    curl = with_healthcheck("dockyard/ex09-test-curl:1", "CMD curl -fs http://127.0.0.1:8000/health")
    started(client, curl, APP3, WEB3)
    assert failed(client, "ex09-3") == [f"{WEB3} is healthy"]


def test_ex09_3_rejects_a_health_check_that_only_names_the_route(client, right):
    named = with_healthcheck("dockyard/ex09-test-true:1", 'CMD ["true", "/health"]')
    started(client, named, APP3, WEB3)
    assert failed(client, "ex09-3") == [ASKS_HEALTH]


def test_ex09_3_rejects_a_health_check_that_asks_another_route(client, right):
    home = with_healthcheck("dockyard/ex09-test-home:1", 'CMD ["python", "-c", "import urllib.request; '
                            "urllib.request.urlopen('http://127.0.0.1:8000/')\"]")
    started(client, home, APP3, WEB3)
    assert failed(client, "ex09-3") == [ASKS_HEALTH]


def test_ex09_3_accepts_a_healthy_container_with_both_settings(client, right):
    started(client, right, APP3, WEB3)
    assert failed(client, "ex09-3") == []


# ex09-4: a token the image never holds

APP4, WEB4 = "dockyard/ex09-4-app:1", "dockyard-ex09-4-web"
DIGEST = hashlib.sha256(TOKEN.encode()).hexdigest()
FINGERPRINT = f"{APP4} holds /app/token.sha256 with the token's SHA-256 digest"
COMPUTED = ("the layer holding /app/token.sha256 comes from a RUN step that computed the digest (no COPY, no "
            "digest typed into the step)")
MOUNTED = f"{WEB4} has a read-only mount at /run/secrets/token"
READS = f"inside {WEB4}, the app's user reads the token from /run/secrets/token"
RUN_CONFIG = f"the token is nowhere in {WEB4}'s configuration (environment, command, labels)"


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex09")
    (folder / "token.txt").write_text(TOKEN)
    return folder


def secret_file(token, mode="ro"):
    return {str(token / "token.txt"): {"bind": "/run/secrets/token", "mode": mode}}


def test_ex09_4_rejects_an_image_that_never_read_the_token_and_a_container_without_it(client, right):
    started(client, right, APP4, WEB4)
    assert failed(client, "ex09-4") == [FINGERPRINT, COMPUTED, MOUNTED, READS]


def test_ex09_4_rejects_a_build_argument_kept_as_an_environment_variable(client, right, token):
    leaky = build("dockyard/ex09-test-leaky:1", """FROM dockyard/ex09-test-right:1
ARG FAKE_API_TOKEN
RUN printf '%s' "$FAKE_API_TOKEN" | sha256sum > /app/token.sha256
ENV API_TOKEN=$FAKE_API_TOKEN""", flags=f"--build-arg FAKE_API_TOKEN={TOKEN}")
    started(client, leaky, APP4, WEB4, volumes=secret_file(token))
    assert failed(client, "ex09-4") == [
        f"the token is in none of {APP4}'s history entries",
        f"the token is nowhere in {APP4}'s configuration (Env, Labels, Cmd, ...)", RUN_CONFIG]


def test_ex09_4_rejects_a_copied_token_and_a_writable_mount_beside_a_variable(client, right, token):
    copied = build("dockyard/ex09-test-copied:1", """FROM dockyard/ex09-test-right:1
COPY token.txt /app/token.txt
RUN sha256sum /app/token.txt > /app/token.sha256""", context=str(token))
    started(client, copied, APP4, WEB4, volumes=secret_file(token, mode="rw"),
            environment={"API_TOKEN": TOKEN})
    assert failed(client, "ex09-4") == [
        f"the token is in no layer of {APP4} (docker save)", MOUNTED, RUN_CONFIG]


def test_ex09_4_rejects_the_digest_typed_into_a_step(client, right, token):
    typed = build("dockyard/ex09-test-typed:1", f"""FROM dockyard/ex09-test-right:1
RUN echo "{DIGEST}  /run/secrets/token" > /app/token.sha256""")
    started(client, typed, APP4, WEB4, volumes=secret_file(token))
    assert failed(client, "ex09-4") == [COMPUTED]


def test_ex09_4_rejects_a_digest_computed_on_the_host_and_copied_in(client, right, token, tmp_path):
    (tmp_path / "token.sha256").write_text(f"{DIGEST}  /tmp/dockyard-ex09/token.txt\n")
    copied = build("dockyard/ex09-test-host-digest:1", """FROM dockyard/ex09-test-right:1
COPY token.sha256 /app/token.sha256""", context=str(tmp_path))
    started(client, copied, APP4, WEB4, volumes=secret_file(token))
    assert failed(client, "ex09-4") == [COMPUTED]


def test_ex09_4_accepts_a_build_secret_and_a_read_only_token_file(client, right, token):
    secret = build("dockyard/ex09-test-secret:1", """FROM dockyard/ex09-test-right:1
RUN --mount=type=secret,id=token,required=true,uid=10001 sha256sum /run/secrets/token > /app/token.sha256""",
                   flags=f"--secret id=token,src={token / 'token.txt'}")
    started(client, secret, APP4, WEB4, volumes=secret_file(token))
    assert failed(client, "ex09-4") == []
