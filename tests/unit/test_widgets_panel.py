"""The Containers chapter's panel against the real engine: its buttons really stop, start and remove a
course container, it refuses a container the learner made, and it reads only the end of a log."""

import time

import pytest

import dockyard
from dockyard.widgets import ContainerPanel
from dockyard.widgets.panel import TAIL, Refused, act, rows

IMAGE = "debian:bookworm-slim"


@pytest.fixture
def chapter(client, unique):
    """A chapter label of this test's own; everything carrying it is removed afterwards."""
    yield unique
    dockyard.cleanup(client, unique)


def run(client, name, chapter=None, command=("sleep", "infinity")):
    labels = dockyard.labels(chapter) if chapter else {}
    # --init: the sleep stops at once on SIGTERM, so a stop takes well under the 10 s grace period
    return client.containers.run(IMAGE, list(command), name=name, detach=True, init=True, labels=labels)


def status(client, name):
    return client.containers.get(name).status


def test_rows_list_only_the_chapters_containers(client, chapter):
    run(client, f"{chapter}-a", chapter)
    other = run(client, f"{chapter}-learner")
    try:
        found = rows(client, chapter)
        assert [row["name"] for row in found] == [f"{chapter}-a"]
        assert found[0]["state"] == "running" and found[0]["health"] == "no healthcheck"
    finally:
        other.remove(force=True)


def test_buttons_really_stop_start_and_remove(client, chapter):
    name = f"{chapter}-app"
    run(client, name, chapter)
    panel = ContainerPanel(client, chapter)
    assert repr(panel) == f"ContainerPanel(chapter={chapter!r})"
    assert panel.pick.options == (name,) and name in panel.table.value

    panel.pick.value = name
    panel.buttons["stop"].click()
    panel.worker.join(timeout=30)
    assert status(client, name) == "exited"
    assert f"$ docker stop {name}" in panel.out.outputs[-1]["text"]
    assert "exited" in panel.table.value  # the table was read again after the action

    panel.buttons["start"].click()
    panel.worker.join(timeout=30)
    assert status(client, name) == "running"

    panel.buttons["remove"].click()  # refused by the engine while it runs, as docker rm is
    panel.worker.join(timeout=30)
    assert status(client, name) == "running"
    assert "Press Stop first" in panel.out.outputs[-1]["text"]

    act(client, name, "stop", chapter)
    assert act(client, name, "remove", chapter).endswith(f"removed {name}")
    assert client.containers.list(all=True, filters={"name": f"^{name}$"}) == []
    panel.buttons["refresh"].click()
    assert panel.pick.options == ()
    assert all(not button.disabled for button in panel.buttons.values())


def test_restart_gives_a_running_container(client, chapter):
    name = f"{chapter}-app"
    run(client, name, chapter).stop()
    assert act(client, name, "restart", chapter).endswith(f"{name} is running")
    assert status(client, name) == "running"


def test_a_learners_container_is_refused_and_left_running(client, chapter):
    name = f"{chapter}-learner"
    learners = run(client, name)  # no label: the learner's own
    try:
        for action in ("stop", "remove", "restart", "logs"):
            with pytest.raises(Refused, match="leaves .* alone: Dockyard did not create it"):
                act(client, name, action)
        assert status(client, name) == "running"
        panel = ContainerPanel(client)  # every chapter's containers; still never the learner's
        assert name not in panel.pick.options
    finally:
        learners.remove(force=True)


def test_a_container_of_another_chapter_is_refused(client, chapter):
    name = f"{chapter}-elsewhere"
    run(client, name, chapter + "-other")
    try:
        with pytest.raises(Refused, match="belongs to the chapter"):
            act(client, name, "stop", chapter)
        assert status(client, name) == "running"
    finally:
        dockyard.cleanup(client, chapter + "-other")


def test_logs_are_bounded(client, chapter):
    name = f"{chapter}-chatty"
    container = run(client, name, chapter, ["sh", "-c", "seq 1 100; sleep infinity"])
    for _ in range(50):  # the 100 lines are written within moments of the start
        if container.logs(tail=1).strip() == b"100":
            break
        time.sleep(0.1)
    panel = ContainerPanel(client, chapter)
    panel.pick.value = name
    panel.buttons["logs"].click()
    panel.worker.join(timeout=30)
    lines = panel.out.outputs[-1]["text"].splitlines()
    assert lines[0] == f"$ docker logs --tail {TAIL} {name}"
    assert lines[1:] == [str(n) for n in range(101 - TAIL, 101)]
