"""The layer explorer of the Images chapter: an image's layers, their sizes, and what two images share.

The core reads the engine as `docker history` and `docker image inspect` do: `layer_rows` pairs
each history entry with the layer it made, `shared` counts the layers two images have in common.
`LayerExplorer` shows both for two images picked from dropdowns.
"""

from __future__ import annotations

import base64
import html

import docker
import ipywidgets as widgets
from docker.errors import ImageNotFound
from tabulate import tabulate

from dockyard.builds import instruction
from dockyard.figures.layers import short, stack
from dockyard.figures.style import png
from dockyard.show import size
from dockyard.widgets.common import Explorer, replace

# Instructions that set only configuration: their history entry has no layer. WORKDIR is not one:
# it makes its folder, and so a layer, even when that layer holds 0 bytes.
CONFIG = {"ARG", "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
          "SHELL", "STOPSIGNAL", "USER", "VOLUME"}


def describe(entry: dict) -> str:
    """A history entry's instruction as its Dockerfile line (an imported filesystem has none)."""
    text = " ".join(instruction(entry["CreatedBy"]).split())  # one space, as the Dockerfile line reads
    if not text:
        return "(imported filesystem)"
    if text.startswith("|"):  # the classic builder's RUN with build arguments: "|1 A=b /bin/sh -c ..."
        text = "RUN " + text.split("/bin/sh -c ", 1)[-1]
    return text.replace("RUN /bin/sh -c ", "RUN ", 1)  # BuildKit writes the shell out


def _makes_layer(entry: dict) -> bool:
    words = describe(entry).split()
    return entry["Size"] > 0 or (bool(words) and words[0].upper() not in CONFIG)


def layer_rows(client: docker.DockerClient, name: str) -> list[dict]:
    """The image's history entries, newest first, each with its size and the layer it made.

    A row: `instruction`, `bytes`, `size`, `layer` (its number counted from the bottom, or None for
    an entry without a layer) and `diff_id` (from `RootFS.Layers`). The engine's history does not
    say which 0-byte entries made a layer, so a configuration instruction counts as none; should
    the count then differ from `RootFS.Layers`, every 0-byte entry counts as none and `diff_id`
    stays unknown (None).
    """
    image = client.images.get(name)
    history = image.history()  # newest first
    diff_ids = image.attrs["RootFS"]["Layers"]  # oldest first
    flags = [_makes_layer(entry) for entry in history]
    if sum(flags) != len(diff_ids):
        flags = [entry["Size"] > 0 for entry in history]
    exact = sum(flags) == len(diff_ids)
    rows, number = [], 0
    for entry, flag in zip(reversed(history), reversed(flags), strict=True):
        number += flag
        rows.append({"instruction": describe(entry), "bytes": entry["Size"], "size": size(entry["Size"]),
                     "layer": number if flag else None,
                     "diff_id": diff_ids[number - 1] if flag and exact else None})
    return rows[::-1]


def shared(client: docker.DockerClient, a: str, b: str) -> dict:
    """What image `a` shares with image `b`: the layers both start with, and their bytes.

    The engine stores a layer once per chain (the layer with every layer below it), so two images
    share the layers of their common start, compared by diff ID, and no layer after a difference.
    `bytes` is None if the history of neither image tells the sizes of those layers.
    """
    first, second = (client.images.get(name).attrs["RootFS"]["Layers"] for name in (a, b))
    count = 0
    while count < min(len(first), len(second)) and first[count] == second[count]:
        count += 1
    found = None
    for name in (a, b):
        rows = layer_rows(client, name)
        if all(row["diff_id"] for row in rows if row["layer"] is not None):
            found = sum(row["bytes"] for row in rows if row["layer"] is not None and row["layer"] <= count)
            break
    return {"with": b, "layers": count, "bytes": found, "diff_ids": first[:count]}


def present(client: docker.DockerClient, names: list[str]) -> list[str]:
    """The names that the engine holds an image for, in the given order."""
    found = []
    for name in names:
        try:
            client.images.get(name)
        except ImageNotFound:
            continue
        found.append(name)
    return found


def picture(fig, alt: str) -> str:
    """A figure as an <img> with alt text, for a widgets.HTML (the book shows it as it was)."""
    data = base64.b64encode(png(fig)).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def table(rows: list[dict]) -> str:
    """The rows as `docker history` lists them, with the layer each made."""
    body = [[row["layer"] if row["layer"] is not None else "no layer", row["size"],
             short(row["instruction"], 52)] for row in rows]
    return tabulate(body, headers=["layer", "size", "instruction"]) + "\n"


class LayerExplorer(Explorer):
    """Pick an image and a second one: its layers as a table and a chart, its total, what both share."""

    def __init__(self, client: docker.DockerClient, names: list[str], image: str | None = None,
                 compare: str | None = None):
        self.client, self.names = client, list(names)
        found = present(client, self.names)
        wide = widgets.Layout(width="420px")  # room for a whole image name
        self.image = widgets.Dropdown(description="Image:", options=found, layout=wide,
                                      value=image if image in found else (found[0] if found else None))
        self.compare = widgets.Dropdown(description="Compare with:", options=found,
                                        value=compare if compare in found else (found[-1] if found else None),
                                        layout=wide, style={"description_width": "initial"})
        self.reread = widgets.Button(description="Read again", icon="refresh",
                                     tooltip="Read the images from the engine again")
        self.totals, self.layers, self.chart = widgets.Output(), widgets.Output(), widgets.HTML()
        self._quiet = False
        self.image.observe(self.on_change, names="value")
        self.compare.observe(self.on_change, names="value")
        self.reread.on_click(self.on_reread)
        controls = widgets.HBox([self.image, self.compare, self.reread],
                                layout=widgets.Layout(flex_flow="row wrap"))  # narrow pages wrap it
        super().__init__([controls, self.totals, self.chart, self.layers])
        self.show()

    def summary(self) -> str:
        return f"image={self.image.value!r}, compare={self.compare.value!r}"

    def on_change(self, _change=None) -> None:
        if not self._quiet:
            self.show()

    def on_reread(self, _button=None) -> None:
        """List again which of the names the engine holds, keep the choices where still there."""
        chosen = self.image.value, self.compare.value
        found = present(self.client, self.names)
        self._quiet = True  # new options reset the values: draw once, after both are set
        try:
            self.image.options = self.compare.options = found
            self.image.value = chosen[0] if chosen[0] in found else (found[0] if found else None)
            self.compare.value = chosen[1] if chosen[1] in found else (found[-1] if found else None)
        finally:
            self._quiet = False
        self.show()

    def show(self) -> None:
        """Read both images and fill the totals, the chart and the table."""
        name, other = self.image.value, self.compare.value
        if name is None:
            self._gone(", ".join(self.names))
            return
        try:
            rows = layer_rows(self.client, name)
            common = shared(self.client, name, other) if other and other != name else None
        except ImageNotFound:
            self._gone(name if other is None or other == name else f"{name} or {other}")
            return
        layers = [row for row in rows if row["layer"] is not None]
        lines = [name, f"  {size(sum(row['bytes'] for row in rows))} in {len(layers)} layers; "
                       f"{len(rows)} history entries, {len(rows) - len(layers)} of them without a layer"]
        if common is None:
            lines.append("  Pick another image under 'Compare with' to see what the two share.")
        else:
            known = common["bytes"] is not None
            stored = f"{size(common['bytes'])}, stored once on disk" if known else "size unknown"
            lines.append(f"  shares {common['layers']} of its {len(layers)} layers with {other}")
            lines.append(f"  ({stored})")
        replace(self.totals, "\n".join(lines) + "\n")
        alt = (f"Bar chart of the layers of {name}, the first layer at the bottom, each bar as long as the "
               f"layer's size" + (f"; the layers shared with {other} are drawn lighter." if common else "."))
        self.chart.value = picture(stack(rows, name, common), alt)
        replace(self.layers, table(rows))

    def _gone(self, what: str) -> None:
        replace(self.totals, f"{what}: not on the engine (any more). Run this chapter's cells from the top "
                             f"to build it again, then press 'Read again'.\n")
        self.chart.value = ""
        replace(self.layers, "")
