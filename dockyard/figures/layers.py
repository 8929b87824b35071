"""Layer pictures: one image's layers stacked by size, and images weighed side by side.

Both take plain rows (read from the engine by `dockyard.widgets.layers`), so a test can draw them
without an engine; the Images chapter shows `stack`, and the explorers reuse both.
"""

from __future__ import annotations

from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from dockyard.figures.style import COLOURS, figure
from dockyard.show import size

LABEL_WIDTH = 42  # characters of an instruction that fit beside a bar


def short(text: str, width: int = LABEL_WIDTH) -> str:
    """An instruction cut to one label's width."""
    return text if len(text) <= width else text[: width - 1] + "…"


def stack(rows: list[dict], title: str, shared: dict | None = None):
    """One bar per layer, the first layer at the bottom, each as long as the bytes it holds.

    `rows` are history rows newest first (`instruction`, `bytes`, `layer`: its number or None when
    the entry made no layer); `shared` (optional) names the layers another image has too
    (`{"with": name, "diff_ids": [...]}`), which are drawn in a lighter colour.
    """
    layers = [row for row in reversed(rows) if row["layer"] is not None]  # oldest first: bottom up
    common = set((shared or {}).get("diff_ids", []))
    fig, ax = figure(7.5, 1.2 + 0.42 * max(len(layers), 1))
    positions = range(len(layers))
    colours = [COLOURS["shared"] if row.get("diff_id") in common else COLOURS["layer"] for row in layers]
    ax.barh(positions, [row["bytes"] for row in layers], height=0.8, color=colours)
    ax.set_yticks(list(positions), [short(row["instruction"]) for row in layers])
    longest = max((row["bytes"] for row in layers), default=0) or 1
    for position, row in zip(positions, layers, strict=True):
        # The size sits right of its bar; small layers stay readable though their bar is a sliver.
        ax.text(row["bytes"] + longest * 0.01, position, size(row["bytes"]), va="center", fontsize=9)
    ax.set_xlim(0, longest * 1.18)
    _size_axis(ax)
    ax.set_xlabel("layer size")
    ax.set_title(title, loc="left")
    if common:
        fig.legend(handles=[Patch(color=COLOURS["shared"], label=f"shared with {shared['with']}"),
                            Patch(color=COLOURS["layer"], label="this image's own")],
                   loc="outside lower center", ncol=2, frameon=False, fontsize=9)
    return fig


def weigh(bars: list[dict], title: str = "Image sizes"):
    """Images side by side, each bar split into the bytes of its base's layers and its own.

    `bars`: `image`, `bytes` (the image's size), `base` (the base image's name or None) and
    `base_bytes` (bytes of the layers it shares with that base).
    """
    fig, ax = figure(7.5, 1.3 + 0.55 * max(len(bars), 1))
    positions = list(range(len(bars)))[::-1]  # the first image on top
    base = [bar["base_bytes"] for bar in bars]
    own = [bar["bytes"] - bar["base_bytes"] for bar in bars]
    ax.barh(positions, base, height=0.6, color=COLOURS["shared"], label="layers of its base image")
    ax.barh(positions, own, left=base, height=0.6, color=COLOURS["layer"], label="layers it adds")
    ax.set_yticks(positions, [bar["image"] for bar in bars])
    largest = max((bar["bytes"] for bar in bars), default=0) or 1
    for position, bar in zip(positions, bars, strict=True):
        based = f" (on {bar['base']})" if bar["base"] else ""
        ax.text(bar["bytes"] + largest * 0.01, position, size(bar["bytes"]) + based, va="center", fontsize=9)
    ax.set_xlim(0, largest * 1.45)
    _size_axis(ax)
    ax.set_xlabel("image size")
    ax.set_title(title, loc="left")
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=9)
    return fig


def _size_axis(ax) -> None:
    """A few ticks in the CLI's units, so the labels never run into each other."""
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(lambda value, _: size(value))
