"""The layer figures, from plain rows and from an image on the real engine."""

from dockyard.figures.layers import short, stack, weigh
from dockyard.figures.style import COLOURS, png
from dockyard.stores import unpacked_size
from dockyard.widgets.layers import layer_rows, shared

ROWS = [  # newest first, as layer_rows gives them
    {"instruction": "CMD [\"python\", \"app.py\"]", "bytes": 0, "layer": None, "diff_id": None},
    {"instruction": "COPY . .", "bytes": 12_000, "layer": 3, "diff_id": "c"},
    {"instruction": "RUN pip install --no-cache-dir -r requirements.txt", "bytes": 34_000_000, "layer": 2,
     "diff_id": "b"},
    {"instruction": "(imported filesystem)", "bytes": 74_000_000, "layer": 1, "diff_id": "a"},
]


def colour(patch) -> str:
    red, green, blue, _ = patch.get_facecolor()
    return "#" + "".join(f"{round(value * 255):02x}" for value in (red, green, blue))


def test_stack_draws_one_bar_per_layer_bottom_up_shared_ones_lighter():
    fig = stack(ROWS, "demo", {"with": "base", "diff_ids": ["a"]})
    ax = fig.axes[0]
    assert [bar.get_width() for bar in ax.patches] == [74_000_000, 34_000_000, 12_000]  # no bar for CMD
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "(imported filesystem)", short("RUN pip install --no-cache-dir -r requirements.txt"), "COPY . ."]
    assert [colour(bar) for bar in ax.patches] == [COLOURS["shared"], COLOURS["layer"], COLOURS["layer"]]
    assert "shared with base" in [text.get_text() for text in fig.legends[0].get_texts()]
    assert png(fig).startswith(b"\x89PNG")


def test_weigh_splits_each_image_into_base_and_own_bytes():
    fig = weigh([{"image": "big", "bytes": 500, "base": "full", "base_bytes": 450},
                 {"image": "small", "bytes": 170, "base": None, "base_bytes": 0}])
    ax = fig.axes[0]
    assert sorted(bar.get_width() for bar in ax.patches) == [0, 50, 170, 450]
    top_down = sorted(zip(ax.get_yticks(), [label.get_text() for label in ax.get_yticklabels()], strict=True),
                      reverse=True)
    assert [label for _, label in top_down] == ["big", "small"]  # the first image on top
    png(fig)


def test_stack_of_an_image_on_the_engine(client):
    rows = layer_rows(client, "python:3.11-slim")
    common = shared(client, "python:3.11-slim", "debian:bookworm-slim")
    fig = stack(rows, "python:3.11-slim", common)
    image = client.images.get("python:3.11-slim")
    assert len(fig.axes[0].patches) == len(image.attrs["RootFS"]["Layers"])
    assert sum(bar.get_width() for bar in fig.axes[0].patches) == unpacked_size(image)
    png(fig)
