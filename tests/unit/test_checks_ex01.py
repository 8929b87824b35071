"""The Why containers checks: each plausible wrong answer fails by the condition it misses; the right
answer, typed without any course label, passes."""

import pytest
from exercise_support import failed

import dockyard
from dockyard.checks import read

pytestmark = pytest.mark.chapter_lock("ex01")  # ex01's state on the engine is this test's alone
PROGRAM = "import sys; print(f'Hello from Python {sys.version_info[0]}.{sys.version_info[1]}')"
FSTRING = 'user = {"name": "Ada"}; print(f"Hello {user["name"]}")'


@pytest.fixture(autouse=True)
def clean(client):
    dockyard.cleanup(client, "ex01")
    yield
    dockyard.cleanup(client, "ex01")


def ran(client, image, command, name, running=False, **options):
    """A container as a learner runs it, no label; waited for unless it is meant to keep running."""
    container = client.containers.run(image, command, name=name, detach=True, **options)
    if not running:
        container.wait(timeout=60)
    return container


@pytest.mark.parametrize("task_id", ["ex01-1", "ex01-2", "ex01-3"])
def test_an_empty_engine_fails_every_task(client, task_id):
    assert any(label.startswith("container dockyard-ex01-") for label in failed(client, task_id))


# ex01-1: a container that says hello

HELLO = "dockyard-ex01-1-hello"
PRINTED = "dockyard-ex01-1-hello printed Hello from Python 3.13"
RERUN = ("its command, run again on python:3.11-slim, prints Hello from Python 3.11 "
         "(the version is read, not typed)")


def test_ex01_1_rejects_the_greeting_typed_in(client):
    ran(client, "python:3.13-slim", ["python", "-c", "print('Hello from Python 3.13')"], HELLO)
    assert failed(client, "ex01-1") == [RERUN]


def test_ex01_1_rejects_the_right_program_on_the_wrong_image(client):
    ran(client, "python:3.11-slim", ["python", "-c", PROGRAM], HELLO)
    assert failed(client, "ex01-1") == ["dockyard-ex01-1-hello runs the image python:3.13-slim", PRINTED]


def test_ex01_1_rejects_the_greeting_printed_on_standard_error(client):
    program = PROGRAM.replace("')", "', file=sys.stderr)")
    ran(client, "python:3.13-slim", ["python", "-c", program], HELLO)
    assert failed(client, "ex01-1") == [PRINTED, RERUN]


def test_ex01_1_rejects_a_program_that_fails_after_its_greeting(client):
    ran(client, "python:3.13-slim", ["python", "-c", PROGRAM + "; raise SystemExit(3)"], HELLO)
    assert failed(client, "ex01-1") == ["dockyard-ex01-1-hello has exited with code 0", RERUN]


def test_ex01_1_accepts_the_version_read_from_the_interpreter(client):
    ran(client, "python:3.13-slim", ["python", "-c", PROGRAM], HELLO)
    assert failed(client, "ex01-1") == []


# ex01-2: a box with a name

BOX = "dockyard-ex01-2-box"
HOSTNAME = ["its hostname is dockyard-box", "inside it, the kernel reports the hostname dockyard-box"]
PROMPT = "PID 1 in dockyard-ex01-2-box ends on SIGTERM (so that docker stop is prompt)"


def test_ex01_2_rejects_a_box_without_init(client):
    ran(client, "debian:bookworm-slim", ["sleep", "infinity"], BOX, running=True, hostname="dockyard-box")
    assert failed(client, "ex01-2") == [PROMPT]


def test_ex01_2_rejects_the_hostname_set_as_an_environment_variable(client):
    ran(client, "debian:bookworm-slim", ["sleep", "infinity"], BOX, running=True, init=True,
        environment={"HOSTNAME": "dockyard-box"})
    assert failed(client, "ex01-2") == HOSTNAME


def test_ex01_2_rejects_a_box_of_another_image(client):
    ran(client, "python:3.11-slim", ["sleep", "infinity"], BOX, running=True, init=True,
        hostname="dockyard-box")
    assert failed(client, "ex01-2") == ["dockyard-ex01-2-box runs the image debian:bookworm-slim"]


def test_ex01_2_rejects_a_stopped_box_with_the_default_hostname(client):
    ran(client, "debian:bookworm-slim", ["true"], BOX)
    assert failed(client, "ex01-2") == ["dockyard-ex01-2-box is running", *HOSTNAME, PROMPT]


def test_ex01_2_accepts_a_running_box_named_dockyard_box(client):
    ran(client, "debian:bookworm-slim", ["sleep", "infinity"], BOX, running=True, init=True,
        hostname="dockyard-box")
    assert failed(client, "ex01-2") == []


def test_ex01_2_accepts_a_command_of_its_own_that_ends_on_sigterm(client):
    trap = ["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"]
    box = ran(client, "debian:bookworm-slim", trap, BOX, running=True, hostname="dockyard-box")
    assert failed(client, "ex01-2") == []
    box.stop(timeout=5)  # the proof the check stands for: it ends on SIGTERM, not killed after the grace
    box.reload()
    assert box.attrs["State"]["ExitCode"] == 0


# ex01-3: works on my machine, proven

OLD_FAILS = "the old Python fails with exit code 1"
RAISED = "the old Python's output ends with the error it raised (SyntaxError: ...)"
OLDER = "dockyard-ex01-3-old runs an older Python than dockyard-ex01-3-new"


def pair(client, old_image, new_image, command):
    ran(client, old_image, command, "dockyard-ex01-3-old")
    ran(client, new_image, command, "dockyard-ex01-3-new")


def test_ex01_3_rejects_a_grep_that_tells_the_debian_releases_apart(client):
    pair(client, "python:3.11-slim", "python:3.13-slim", ["sh", "-c", "grep -q trixie /etc/os-release"])
    assert failed(client, "ex01-3") == ["the command is a Python program (python -c PROGRAM)", RAISED]


def test_ex01_3_rejects_the_roles_swapped(client):
    # imp left the standard library in 3.12: the program fails on the newer Python, not the older
    pair(client, "python:3.13-slim", "python:3.11-slim", ["python", "-c", "import imp; print('ok')"])
    assert failed(client, "ex01-3") == [OLDER]


def test_ex01_3_rejects_an_exit_code_chosen_by_the_version(client):
    pair(client, "python:3.11-slim", "python:3.13-slim",
         ["python", "-c", "import sys; sys.exit(sys.version_info < (3, 12))"])
    assert failed(client, "ex01-3") == [RAISED]


def test_ex01_3_rejects_one_image_twice_and_different_commands(client):
    ran(client, "python:3.13-slim", ["python", "-c", FSTRING], "dockyard-ex01-3-old")
    ran(client, "python:3.13-slim", ["python", "-c", "print(1)"], "dockyard-ex01-3-new")
    assert failed(client, "ex01-3") == [
        "the two containers use different images", "both run the same command", OLDER, OLD_FAILS, RAISED]


def test_ex01_3_accepts_the_program_failing_on_3_11_and_working_on_3_13(client):
    pair(client, "python:3.11-slim", "python:3.13-slim", ["python", "-c", FSTRING])
    assert failed(client, "ex01-3") == []


# Typed as at work

def test_an_unlabelled_answer_passes_and_cleanup_takes_it_but_not_a_container_of_yours(client, unique):
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-mine",
                                 init=True, detach=True)
    try:
        hello = ran(client, "python:3.13-slim", ["python", "-c", PROGRAM], HELLO)
        assert dockyard.LABEL not in hello.labels
        assert failed(client, "ex01-1") == []
        assert "container dockyard-ex01-1-hello" in dockyard.cleanup(client, "ex01")
        assert read.container(client, HELLO) is None
        assert read.status(mine) == "running"
    finally:
        mine.remove(force=True)
