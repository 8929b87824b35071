"""The Why containers checks: wrong or missing work fails by its condition; the right work passes."""

import pytest
from exercise_support import failed

import dockyard

pytestmark = pytest.mark.chapter_lock("ex01")  # ex01's state on the engine is this test's alone
LABELS = {"dockyard.chapter": "ex01"}
PROGRAM = "import sys; print(f'Hello from Python {sys.version_info[0]}.{sys.version_info[1]}')"
FSTRING = 'user = {"name": "Ada"}; print(f"Hello {user["name"]}")'


@pytest.fixture(autouse=True)
def clean(client):
    dockyard.cleanup(client, "ex01")
    yield
    dockyard.cleanup(client, "ex01")


def ran(client, image, command, name, labels=LABELS, **options):
    container = client.containers.run(image, command, name=name, labels=labels, detach=True, **options)
    if not options.get("init"):
        container.wait()
    return container


@pytest.mark.parametrize("task_id", ["ex01-1", "ex01-2", "ex01-3"])
def test_an_empty_engine_fails_every_task(client, task_id):
    assert any(label.startswith("container dockyard-ex01-") for label in failed(client, task_id))


def test_ex01_1_rejects_a_typed_greeting_from_the_wrong_image(client):
    ran(client, "python:3.11-slim", ["python", "-c", PROGRAM], "dockyard-ex01-1-hello")
    assert failed(client, "ex01-1") == ["it runs the image python:3.13-slim",
                                        "its output says Hello from Python 3.13"]


def test_ex01_1_rejects_an_unlabelled_failing_container(client):
    try:
        ran(client, "python:3.13-slim", ["python", "-c", "raise SystemExit(3)"], "dockyard-ex01-1-hello",
            labels={})
        assert failed(client, "ex01-1") == [
            "dockyard-ex01-1-hello carries the label dockyard.chapter=ex01",
            "its exit code is 0", "its output says Hello from Python 3.13"]
    finally:
        client.containers.get("dockyard-ex01-1-hello").remove(force=True)


def test_ex01_1_accepts_the_right_container(client):
    ran(client, "python:3.13-slim", ["python", "-c", PROGRAM], "dockyard-ex01-1-hello")
    assert failed(client, "ex01-1") == []


def test_ex01_2_rejects_a_stopped_box_with_the_default_hostname(client):
    ran(client, "debian:bookworm-slim", ["true"], "dockyard-ex01-2-box")
    assert failed(client, "ex01-2") == ["it is running", "its hostname is dockyard-box",
                                        "inside it, the kernel reports the hostname dockyard-box"]


def test_ex01_2_accepts_a_running_box_named_dockyard_box(client):
    ran(client, "debian:bookworm-slim", ["sleep", "infinity"], "dockyard-ex01-2-box", init=True,
        hostname="dockyard-box")
    assert failed(client, "ex01-2") == []


def test_ex01_3_rejects_one_image_twice_and_different_commands(client):
    ran(client, "python:3.13-slim", ["python", "-c", FSTRING], "dockyard-ex01-3-old")
    ran(client, "python:3.13-slim", ["python", "-c", "print(1)"], "dockyard-ex01-3-new")
    assert failed(client, "ex01-3") == [
        "the two containers use different images", "both run the same command",
        "the old Python fails with exit code 1"]


def test_ex01_3_accepts_the_program_failing_on_3_11_and_working_on_3_13(client):
    ran(client, "python:3.11-slim", ["python", "-c", FSTRING], "dockyard-ex01-3-old")
    ran(client, "python:3.13-slim", ["python", "-c", FSTRING], "dockyard-ex01-3-new")
    assert failed(client, "ex01-3") == []
