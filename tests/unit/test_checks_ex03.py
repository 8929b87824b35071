"""The Containers checks: each plausible wrong answer fails by the condition it misses; the right answer,
typed without any course label, passes.

ex03-4's variant images are built once per module on the sample app's image, as a learner builds them
(BuildKit, no label), under tags of their own (`dockyard/ex03-test-...`); a test points the tag the check
reads at one of them, and the fixture takes that tag away again."""

import json
import shutil
import time

import docker
import image_support
import pytest
from exercise_support import failed, tidy

import dockyard
from dockyard import reset
from dockyard.checks import read
from dockyard.checks.ex03 import TOKEN_FILE
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex03")  # ex03's state on the engine is this test's alone
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
EMPTY = {
    "ex03-1": "container dockyard-ex03-1-web exists",
    "ex03-2": "container dockyard-ex03-2-crash exists",
    "ex03-3": "container dockyard-ex03-3-limited exists",
    "ex03-4": "image dockyard/ex03-4-quick:1 exists",
}


QUICK = "dockyard/ex03-4-quick:1"


@pytest.fixture(scope="module", autouse=True)
def sample(client):
    dockyard.cleanup(client, "ex03", images=True)
    yield dockyard.sample_image(client)
    dockyard.cleanup(client, "ex03", images=True)


@pytest.fixture(autouse=True)
def clean(client):
    tidy(client, "ex03", [QUICK])
    yield
    tidy(client, "ex03", [QUICK])


def app(client, name, image=dockyard.SAMPLE_IMAGE, start=True, ports=LOCAL, **options):
    """The sample app (or an image built on it), as a learner runs it (no label), started and answering,
    or only created."""
    if not start:
        return client.containers.create(image, name=name, ports=ports, **options)
    container = client.containers.run(image, name=name, ports=ports, detach=True, **options)
    if ports:  # the check gives a fresh app a few seconds; under load it may need more
        dockyard.wait_for_http(f"http://127.0.0.1:{dockyard.host_port(container)}/", timeout=60,
                               container=container)
    return container


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex03-1: a web app that stops at once

WEB = "dockyard-ex03-1-web"
INIT = "dockyard-ex03-1-web runs with an init process (--init)"
GET = "GET / on dockyard-ex03-1-web's published port answers 200 Hello from Docker!"
TYPED = ("from flask import Flask; app = Flask('typed'); app.get('/')(lambda: 'Hello from Docker!'); "
         "app.run(host='0.0.0.0', port=5000)")


def test_ex03_1_rejects_a_container_created_for_every_interface_without_init(client):
    # Created, never started: nothing listens on all interfaces during the test.
    app(client, WEB, start=False, ports={"5000/tcp": None})
    assert failed(client, "ex03-1") == ["dockyard-ex03-1-web is running", INIT,
                                        "dockyard-ex03-1-web publishes 5000/tcp on 127.0.0.1 only", GET]


def test_ex03_1_rejects_a_fixed_host_port_and_no_init(client):
    app(client, WEB, ports={"5000/tcp": ("127.0.0.1", dockyard.free_port())})
    assert failed(client, "ex03-1") == [INIT, "Docker picked the host port (none fixed in its configuration)"]


def test_ex03_1_rejects_a_greeting_served_by_a_command_of_its_own(client):
    app(client, WEB, init=True, command=["python", "-c", TYPED])
    assert failed(client, "ex03-1") == [
        "dockyard-ex03-1-web runs the image's own command (none given when it was run)"]


def test_ex03_1_rejects_an_image_of_another_build_that_answers_the_same(client):
    run("docker build -q -t dockyard/ex03-test-copy:1 sample-app")  # a copy, unlike the sample image's label
    app(client, WEB, image="dockyard/ex03-test-copy:1", init=True)
    assert failed(client, "ex03-1") == ["dockyard-ex03-1-web runs the image dockyard/sample-app:latest"]


def test_ex03_1_accepts_the_app_with_init_on_a_port_docker_picked(client):
    app(client, WEB, init=True)
    assert failed(client, "ex03-1") == []


def test_ex03_1_accepts_the_image_named_without_its_tag(client):
    app(client, WEB, image="dockyard/sample-app", init=True)
    assert failed(client, "ex03-1") == []


# ex03-2: a crash loop with an end

CRASH = "dockyard-ex03-2-crash"
POLICY = "dockyard-ex03-2-crash has the restart policy on-failure with at most 3 retries"
RESTARTS = "the engine restarted it 3 times (RestartCount)"
LOG = "its log shows no database yet 4 times (one run and three restarts)"


def crash(client, code=1, policy=None, restarts=0, image="python:3.11-slim", command=None):
    """A container that prints the line and exits with `code`, left once the engine stops restarting it."""
    command = command or ["python", "-c", f"print('no database yet'); raise SystemExit({code})"]
    container = client.containers.run(image, command, name=CRASH, detach=True, restart_policy=policy)
    give_up = time.monotonic() + 30
    while True:
        container.reload()
        if (container.status, container.attrs["RestartCount"]) == ("exited", restarts):
            return container
        assert time.monotonic() < give_up, f"{container.status}, {container.attrs['RestartCount']} restarts"
        time.sleep(0.1)


def on_failure(retries):
    return {"Name": "on-failure", "MaximumRetryCount": retries}


def test_ex03_2_rejects_a_crash_without_a_restart_policy(client):
    crash(client)
    assert failed(client, "ex03-2") == [POLICY, RESTARTS, LOG]


def test_ex03_2_rejects_a_command_that_exits_0(client):
    crash(client, code=0, policy=on_failure(3))
    assert failed(client, "ex03-2") == [RESTARTS, "its last exit code is 1", LOG]


def test_ex03_2_rejects_a_single_retry(client):
    crash(client, policy=on_failure(1), restarts=1)
    assert failed(client, "ex03-2") == [POLICY, RESTARTS, LOG]


def test_ex03_2_rejects_the_crash_loop_on_another_image(client):
    crash(client, policy=on_failure(3), restarts=3, image="debian:bookworm-slim",
          command=["sh", "-c", "echo no database yet; exit 1"])
    assert failed(client, "ex03-2") == ["dockyard-ex03-2-crash runs the image python:3.11-slim"]


def test_ex03_2_accepts_three_restarts_then_exited(client):
    crash(client, policy=on_failure(3), restarts=3)
    assert failed(client, "ex03-2") == []


# ex03-3: capped, configured, and no secret in sight

LIMITED = "dockyard-ex03-3-limited"
TOKEN = "0123456789abcdef0123456789abcdef"
MOUNTED = "it mounts /tmp/dockyard-ex03/api_token.txt at /run/secrets/api_token"
READ_ONLY = "the mount at /run/secrets/api_token is read-only"
HOLDS = ("inside dockyard-ex03-3-limited, /run/secrets/api_token holds the token from "
         "/tmp/dockyard-ex03/api_token.txt")
NO_ENV = "docker inspect shows the token nowhere (no environment variable, not in its command)"


@pytest.fixture
def token_file():
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    TOKEN_FILE.write_text(TOKEN + "\n")
    yield TOKEN_FILE
    shutil.rmtree(TOKEN_FILE.parent, ignore_errors=True)


def token_mount(read_only=True):
    return [docker.types.Mount("/run/secrets/api_token", str(TOKEN_FILE), type="bind", read_only=read_only)]


def test_ex03_3_rejects_the_token_in_an_environment_variable(client, token_file):
    app(client, LIMITED, ports=None, init=True, mem_limit="256m", nano_cpus=500_000_000,
        environment={"APP_MODE": "exercise", "API_TOKEN": TOKEN})
    assert failed(client, "ex03-3") == [MOUNTED, READ_ONLY, HOLDS, NO_ENV]


def test_ex03_3_rejects_other_limits_no_app_mode_and_a_writable_mount(client, token_file):
    app(client, LIMITED, ports=None, init=True, mem_limit="512m", nano_cpus=1_000_000_000,
        mounts=token_mount(read_only=False))
    assert failed(client, "ex03-3") == ["dockyard-ex03-3-limited's memory limit is 256 MiB",
                                        "dockyard-ex03-3-limited may use half a CPU",
                                        "its environment sets APP_MODE=exercise", READ_ONLY]


def test_ex03_3_rejects_the_token_written_by_the_command_instead_of_mounted(client, token_file):
    write = f"mkdir -p /run/secrets && echo {TOKEN} > /run/secrets/api_token && exec python app.py"
    app(client, LIMITED, ports=None, init=True, mem_limit="256m", nano_cpus=500_000_000,
        environment={"APP_MODE": "exercise"}, command=["sh", "-c", write])
    assert failed(client, "ex03-3") == [MOUNTED, READ_ONLY, NO_ENV]


def test_ex03_3_rejects_a_stopped_container(client, token_file):
    app(client, LIMITED, start=False, ports=None, mem_limit="256m", nano_cpus=500_000_000,
        environment={"APP_MODE": "exercise"}, mounts=token_mount())
    assert failed(client, "ex03-3") == ["dockyard-ex03-3-limited is running", HOLDS]


@pytest.mark.parametrize("cpus", [{"nano_cpus": 500_000_000}, {"cpu_quota": 50_000, "cpu_period": 100_000}],
                         ids=["cpus", "quota"])
def test_ex03_3_accepts_limits_a_setting_and_the_token_as_a_file(client, token_file, cpus):
    app(client, LIMITED, ports=None, init=True, mem_limit="256m", environment={"APP_MODE": "exercise"},
        mounts=token_mount(), **cpus)
    assert failed(client, "ex03-3") == []




# ex03-4: an app that stops when asked

LIVE_PID1 = "PID 1 in dockyard-ex03-4-live ends on SIGTERM (its command handles the signal)"
STOP_SIGNAL = "docker stop sends them SIGTERM (no other stop signal set on the image or a container)"
ENDED = ("dockyard-ex03-4-quick ended on SIGTERM, before the engine had to kill it "
         "(exit code 0 or 143, not 137)")
# A handler of its own: SIGTERM ends the Flask app with exit code 0, no Gunicorn (and no PyPI) needed.
HANDLER = ("import signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); "
           "from app import app; app.run(host='0.0.0.0', port=5000)")


def on_sample(tag, lines):
    """An image built on the sample app's, with these Dockerfile lines after its FROM."""
    run(f"docker build -q -t {tag} - <<'EOF'\nFROM {dockyard.SAMPLE_IMAGE}\n{lines}\nEOF")
    return tag


@pytest.fixture(scope="module")
def handler():
    return on_sample("dockyard/ex03-test-handler:1", f"CMD {json.dumps(['python', '-c', HANDLER])}")


@pytest.fixture(scope="module")
def sigint():
    return on_sample("dockyard/ex03-test-sigint:1", "STOPSIGNAL SIGINT")


def quick_image(client, variant):
    client.images.get(variant).tag(*QUICK.split(":"))


def pair(client, variant, stop=None, **options):
    """The running twin and the stopped one, each run from the image with `options`; `stop` ends the
    second (docker stop by default)."""
    quick_image(client, variant)
    app(client, "dockyard-ex03-4-live", QUICK, **options)
    stopped = app(client, "dockyard-ex03-4-quick", QUICK, **options)
    (stop or stopped.stop)()
    stopped.wait(timeout=30)
    stopped.reload()
    return stopped


def test_ex03_4_rejects_python_as_pid_1_killed_after_the_grace_period(client):
    stopped = pair(client, dockyard.SAMPLE_IMAGE,
                   stop=lambda: client.containers.get("dockyard-ex03-4-quick").stop(timeout=1))
    assert stopped.attrs["State"]["ExitCode"] == 137
    assert failed(client, "ex03-4") == [LIVE_PID1, ENDED]


def test_ex03_4_rejects_the_sample_image_stopped_with_sigint_by_docker_kill(client):
    stopped = pair(client, dockyard.SAMPLE_IMAGE,
                   stop=lambda: client.containers.get("dockyard-ex03-4-quick").kill(signal="SIGINT"))
    assert stopped.attrs["State"]["ExitCode"] == 0  # Flask ends on SIGINT: the exit code alone passes
    assert failed(client, "ex03-4") == [LIVE_PID1]


def test_ex03_4_rejects_a_stop_signal_other_than_sigterm(client, sigint):
    assert pair(client, sigint).attrs["State"]["ExitCode"] == 0
    assert failed(client, "ex03-4") == [LIVE_PID1, STOP_SIGNAL]


def test_ex03_4_rejects_init_added_when_running(client):
    pair(client, dockyard.SAMPLE_IMAGE, init=True)
    assert failed(client, "ex03-4") == [
        "dockyard-ex03-4-live runs without --init (the image itself stops on SIGTERM)",
        "dockyard-ex03-4-quick runs without --init (the image itself stops on SIGTERM)"]


def test_ex03_4_rejects_an_image_made_by_docker_commit(client):
    made = client.containers.create(dockyard.SAMPLE_IMAGE, name="dockyard-ex03-4-made")
    image_support.commit(made, "dockyard/ex03-test-committed", "1",
                         changes=[f"CMD {json.dumps(['python', '-c', HANDLER])}"])
    pair(client, "dockyard/ex03-test-committed:1")
    assert failed(client, "ex03-4") == [f"each step {QUICK} adds to its base is a Dockerfile instruction "
                                        "(built, not committed)"]


def test_ex03_4_rejects_a_quick_container_with_a_command_of_its_own(client, handler):
    quick_image(client, handler)
    app(client, "dockyard-ex03-4-live", QUICK)
    client.containers.run(QUICK, ["python", "-c", "print('bye')"], name="dockyard-ex03-4-quick",
                          detach=True).wait(timeout=30)
    assert failed(client, "ex03-4") == [
        "dockyard-ex03-4-quick runs the image's own command (none given when it was run)"]


def test_ex03_4_accepts_an_image_whose_command_handles_sigterm(client, handler):
    assert pair(client, handler).attrs["State"]["ExitCode"] == 0
    assert failed(client, "ex03-4") == []


# Typed as at work

def test_an_unlabelled_answer_passes_and_reset_takes_it_but_not_a_container_of_yours(client, unique):
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-mine",
                                 init=True, detach=True)
    try:
        web = app(client, WEB, init=True)
        assert web.labels.get(dockyard.LABEL) != "ex03"  # the sample image's own label, none typed
        assert failed(client, "ex03-1") == []
        # what `python -m dockyard reset --chapter ex03` does and says
        assert "removed container dockyard-ex03-1-web" in reset.reset(client, "ex03")
        assert read.container(client, WEB) is None
        assert read.status(mine) == "running"
    finally:
        mine.remove(force=True)
