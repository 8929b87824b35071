"""Network figures: drawn from plain data, and read from the real engine."""

import pytest

import dockyard
from dockyard.figures import networks
from dockyard.figures.style import png

BRIDGE = {"name": "bridge", "default": True, "containers": [
    {"name": "x-neighbour", "state": "running", "aliases": [], "networks": ["bridge"]}]}
MINE = {"name": "x-mynetwork", "default": False, "containers": [
    {"name": "x-database", "state": "running", "aliases": ["db"], "networks": ["x-mynetwork"]},
    {"name": "x-web", "state": "exited", "aliases": [], "networks": ["x-mynetwork", "x-other"]}]}
OTHER = {"name": "x-other", "default": False, "containers": [
    {"name": "x-web", "state": "exited", "aliases": [], "networks": ["x-mynetwork", "x-other"]}]}
EMPTY = {"name": "x-empty", "default": False, "containers": []}


def texts(fig):
    found = [text.get_text() for ax in fig.axes for text in ax.texts]
    png(fig)  # and it renders
    return found


def test_the_map_has_a_column_per_network_and_marks_containers_on_two():
    drawn = texts(networks.network_map([BRIDGE, MINE, OTHER, EMPTY]))
    assert {"bridge", "x-mynetwork", "x-other", "x-empty", "no containers"} <= set(drawn)
    assert "x-database\nalias db" in drawn
    assert "x-web\nalso on x-other\nexited" in drawn and "x-web\nalso on x-mynetwork\nexited" in drawn


def test_the_map_of_nothing_says_so():
    assert texts(networks.network_map([])) == ["no containers or networks of this chapter"]
    assert networks.describe([]) == "Network map: this chapter has no containers or networks right now."


def test_describe_names_every_network_and_its_containers():
    assert networks.describe([BRIDGE, MINE, EMPTY]) == (
        "Network map: the default bridge (bridge) holds x-neighbour; x-mynetwork holds "
        "x-database (alias db), x-web (exited); x-empty holds no container.")


def test_reach_draws_each_check_with_its_verdict_default_bridge_first():
    checks = [
        {"network": "x-mynetwork", "target": "x-web", "by": "name", "ok": True},
        {"network": "x-mynetwork", "target": "db", "by": "name", "ok": True},
        {"network": "bridge", "target": "x-neighbour", "by": "name", "ok": False},
        {"network": "bridge", "target": "x-neighbour", "by": "address", "ok": True},
        {"network": "x-other", "target": "x-neighbour", "by": "name", "ok": False},
    ]
    drawn = texts(networks.reach_by_name([BRIDGE, MINE, OTHER], checks))
    titles = [text for text in drawn if text in ("bridge", "x-mynetwork", "x-other")]
    assert titles == ["bridge", "x-mynetwork", "x-other"]
    assert drawn.count("by name: found") == 2 and drawn.count("by name: not found") == 2
    assert "by IP address: answered" in drawn
    assert "x-database\nalias db" in drawn  # the alias looked for, on the container that holds it
    assert "x-neighbour\nnot on this network" in drawn


def test_read_networks_reads_the_chapters_containers_and_aliases(client, unique):
    labels = dockyard.labels(unique)
    network = client.networks.create(f"{unique}-net", labels=labels)
    empty = client.networks.create(f"{unique}-empty", labels=labels)
    learners_network = client.networks.create(f"{unique}-learners")
    try:
        client.containers.run(
            "debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-db", detach=True, init=True,
            labels=labels, network=network.name,
            networking_config={network.name: client.api.create_endpoint_config(aliases=["db"])})
        stopped = client.containers.create("debian:bookworm-slim", ["true"], name=f"{unique}-idle",
                                           labels=labels)
        learners_network.connect(stopped)
        found = networks.read_networks(client, unique)
        assert [n["name"] for n in found] == ["bridge", f"{unique}-empty", f"{unique}-net"]
        assert found[0]["default"] and not found[2]["default"]
        idle, = found[0]["containers"]
        # on the bridge and on the learner's network, of which the map shows only the bridge
        assert (idle["name"], idle["state"], idle["networks"]) == (f"{unique}-idle", "created", ["bridge"])
        assert found[1]["containers"] == []
        db, = found[2]["containers"]
        assert (db["name"], db["aliases"], db["state"]) == (f"{unique}-db", ["db"], "running")
    finally:
        dockyard.cleanup(client, unique)
        learners_network.remove()
        assert client.networks.list(names=[empty.name]) == []


@pytest.mark.parametrize("ok", [True, False])
def test_an_unreached_target_is_drawn_dashed(ok):
    check = {"network": "x-mynetwork", "target": "x-web", "by": "name", "ok": ok}
    fig = networks.reach_by_name([MINE], [check])
    arrows = [a for a in fig.axes[0].texts if a.get_text() == "" and hasattr(a, "arrow_patch")]
    assert arrows[0].arrow_patch.get_linestyle() == ("-" if ok else "--")
    png(fig)
