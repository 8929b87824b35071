"""The layer explorer against the real engine: rows, shared layers, and the widget's dropdowns."""

import pytest
from image_support import BASE, build

import dockyard
from dockyard.stores import unpacked_size
from dockyard.widgets import LayerExplorer
from dockyard.widgets.layers import layer_rows, shared


@pytest.fixture
def images(client, unique):
    """Two images on one base that share their first own layer: `first` has three own layers."""
    first, second = f"dockyard/{unique}:1", f"dockyard/{unique}:2"
    build(unique, first, f"RUN echo {unique} > /marker\nWORKDIR /srv/{unique}\nENV GREETING=hello\n"
                         "RUN head -c 300000 /dev/urandom > /blob")
    build(unique, second, f"RUN echo {unique} > /marker\nRUN echo other > /other")
    yield first, second
    dockyard.cleanup(client, unique, images=True)


def test_rows_pair_each_history_entry_with_its_layer(client, images):
    first, _ = images
    rows = layer_rows(client, first)
    own = [(row["instruction"].split()[0], row["layer"]) for row in rows[:4]]  # newest first
    assert own == [("RUN", 4), ("ENV", None), ("WORKDIR", 3), ("RUN", 2)]
    # WORKDIR: a layer of no content (the containerd image store counts its snapshot's few blocks)
    assert rows[0]["bytes"] >= 300000 and rows[2]["bytes"] < 64 * 1024
    image = client.images.get(first)
    with_layer = [row for row in reversed(rows) if row["layer"] is not None]
    assert [row["diff_id"] for row in with_layer] == image.attrs["RootFS"]["Layers"]
    assert sum(row["bytes"] for row in rows) == unpacked_size(image)


def test_shared_counts_the_common_start_and_its_bytes(client, images):
    first, second = images
    base = shared(client, first, BASE)
    assert base["layers"] == len(client.images.get(BASE).attrs["RootFS"]["Layers"])
    assert base["bytes"] == unpacked_size(client.images.get(BASE))
    both = shared(client, first, second)
    rows = layer_rows(client, first)
    marker = next(row["bytes"] for row in rows if row["instruction"].startswith("RUN echo"))
    assert both["layers"] == base["layers"] + 1 and both["bytes"] == base["bytes"] + marker
    assert both["diff_ids"] == client.images.get(second).attrs["RootFS"]["Layers"][: both["layers"]]


def test_explorer_follows_its_dropdowns_and_reads_the_engine_again(client, unique, images):
    first, second = images
    explorer = LayerExplorer(client, [first, second, BASE, f"dockyard/{unique}:absent"], compare=BASE)
    assert list(explorer.image.options) == [first, second, BASE]  # the absent one is not offered
    assert repr(explorer) == f"LayerExplorer(image='{first}', compare='{BASE}')"
    totals = explorer.totals.outputs[0]["text"]
    assert f"shares 1 of its 4 layers with {BASE}" in totals
    assert explorer.chart.value.startswith('<img alt="Bar chart of the layers of ')
    explorer.compare.value = second  # as a learner picks it
    assert f"shares 2 of its 4 layers with {second}" in explorer.totals.outputs[0]["text"]
    assert "no layer" in explorer.layers.outputs[0]["text"]  # ENV made none
    client.images.remove(second)
    explorer.on_reread(explorer.reread)  # the button's handler
    assert list(explorer.compare.options) == [first, BASE] and explorer.compare.value == BASE
    client.images.remove(first)
    explorer.on_change()
    assert "not on the engine" in explorer.totals.outputs[0]["text"] and explorer.chart.value == ""
