"""The plugin's reliability machinery: notebook order, the census, the safety recorder."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from image_support import buildkit

import dockyard
from tests.support import census, safety
from tests.support.plugin import HeldPorts, _order_notebooks


def items(*names):
    return [SimpleNamespace(path=Path(name)) for name in names]


def config(order, seed=None):
    options = {"notebook_order": order, "notebook_seed": seed}
    return SimpleNamespace(getoption=options.get, option=SimpleNamespace(**options))


def test_reverse_moves_whole_notebooks_and_leaves_other_tests_in_place():
    run = items("tests/unit/a.py", "a.ipynb", "a.ipynb", "b.ipynb", "c.ipynb", "c.ipynb", "tests/final/z.py")
    _order_notebooks(config("reverse"), run)
    assert [str(i.path) for i in run] == ["tests/unit/a.py", "c.ipynb", "c.ipynb", "b.ipynb", "a.ipynb",
                                          "a.ipynb", "tests/final/z.py"]


def test_a_shuffle_is_repeatable_from_its_seed():
    orders = []
    for _ in range(2):
        run = items(*[f"{n}.ipynb" for n in "abcdefgh"])
        _order_notebooks(config("shuffle", seed=1234), run)
        orders.append([str(i.path) for i in run])
    assert orders[0] == orders[1] != sorted(orders[0])


def test_held_ports_answer_until_they_are_released():
    held = HeldPorts([dockyard.free_port(), dockyard.free_port()])
    try:
        assert held.still_held() == list(held.ports)
    finally:
        held.release()
    assert held.still_held() == [], "a port let go must not count as held"


def test_the_census_names_what_appeared_and_nothing_else(client, unique):
    # One chapter's census: the other worker's tests create and remove labelled resources meanwhile.
    before = census.take(client, "unit-census")
    client.volumes.create(unique, labels=dockyard.labels("unit-census"))
    learners = client.volumes.create(f"{unique}-learner")
    try:
        left = census.left_by(client, before, "unit-census")
        assert left == {f"volume {unique}": "unit-census"}
    finally:
        dockyard.cleanup(client, "unit-census")
        learners.remove()
    assert census.left_by(client, before, "unit-census") == {}


@pytest.mark.parametrize("attrs, broken", [
    ({"HostConfig": {"Privileged": True}}, ["runs privileged"]),
    ({"HostConfig": {"Privileged": True}, "Config": {"Labels": {"dockyard.chapter": "classroom"}}}, []),
    ({"HostConfig": {"Privileged": True}, "Config": {"Image": "tonistiigi/binfmt"}}, []),
    ({"HostConfig": {"Privileged": True}, "Config": {"Image": "debian:bookworm-slim"}}, ["runs privileged"]),
    ({"Mounts": [{"Source": "/var/run/docker.sock"}]}, ["mounts the engine's socket"]),
    ({"HostConfig": {"PortBindings": {"5000/tcp": [{"HostIp": "", "HostPort": ""}]}}},
     ["publishes 5000/tcp on every address"]),
    ({"HostConfig": {"PortBindings": {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}}}, []),
    ({"Config": {"Image": "dockyard/production-app:1.0", "User": ""}}, ["runs the production image as root"]),
    ({"Config": {"Image": "dockyard/production-app:1.0", "User": "10001"}}, []),
])
def test_each_safety_rule(attrs, broken):
    assert safety.broken_rules(attrs) == broken


def test_the_recorder_inspects_each_course_container_as_it_is_created(client, unique):
    recorder = safety.Recorder(dockyard.connect(timeout=None))
    other_chapters = safety.Recorder(dockyard.connect(timeout=None), chapter="unit-safety-elsewhere")
    try:
        risky = client.containers.run(  # `true` exits at once: nothing ever listens
            "debian:bookworm-slim", ["true"], name=unique, privileged=True, detach=True,
            ports={"5000/tcp": None}, labels=dockyard.labels("unit-safety"))
        client.containers.create("debian:bookworm-slim", ["true"], name=f"{unique}-never",
                                 privileged=True, labels=dockyard.labels("unit-safety"))
        # Started, and as risky as the course's: only its missing label keeps it out of the record.
        learners = client.containers.run("debian:bookworm-slim", ["true"], name=f"{unique}-learner",
                                         privileged=True, detach=True)
    finally:
        recorder.stop()  # reads every event up to now, whether the live stream has caught up or not
        other_chapters.stop()
        dockyard.cleanup(client, "unit-safety")
        learners.remove(force=True)
    assert recorder.findings[unique] == ["runs privileged", "publishes 5000/tcp on every address"]
    assert f"{unique}-learner" not in recorder.seen, "the learner's own containers are theirs"
    assert f"{unique}-never" not in recorder.findings, "judged when it starts, not when it is created"
    assert risky.name == unique
    assert other_chapters.seen == [], "a recorder for one chapter ignores the others"


def test_the_secret_reader_finds_a_secret_baked_into_an_image(client, unique, tmp_path):
    tag = f"dockyard/{unique}:1"
    image = buildkit(client, f"FROM debian:bookworm-slim\nRUN echo {safety.SECRETS[0].decode()} > /etc/leak",
                     dockyard.labels("unit-safety"), tag=tag)
    try:
        assert safety.secrets_in(client, tag) == [safety.SECRETS[0].decode()]
        assert safety.secrets_in(client, "debian:bookworm-slim") == []
    finally:
        client.images.remove(image.id, force=True)
