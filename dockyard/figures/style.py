"""One look for every figure, and a display that leaves no open figure behind."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display server; the notebook shows the PNG we hand it

import matplotlib.pyplot as plt  # noqa: E402
from IPython.display import Image, display  # noqa: E402

COLOURS = {"layer": "#2a6f97", "shared": "#61a5c2", "course": "#2a6f97", "other": "#adb5bd",
           "ok": "#2d6a4f", "warn": "#e09f3e", "bad": "#9e2a2b", "network": "#f4f1de"}


def figure(width: float = 7.0, height: float = 3.5):
    """A new figure and axes in the course's style."""
    with plt.rc_context({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}):
        return plt.subplots(figsize=(width, height), dpi=100, layout="constrained")


def png(fig) -> bytes:
    """The figure as PNG bytes, then closed (matplotlib keeps every open figure alive)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def show(fig) -> None:
    """Display a figure in the notebook as a PNG image."""
    display(Image(png(fig)))
