"""The size race of the Multi-stage chapter: images weighed side by side, base layers and own layers.

The core, `weights`, reads each image's size and the bytes it shares with its base from the engine
(as `docker image inspect` and `docker history` show them); `ratios` compares each to the first.
`SizeRace` draws them and reads them again when you press Refresh.
"""

from __future__ import annotations

import docker
import ipywidgets as widgets
from docker.errors import ImageNotFound

from dockyard.figures.layers import weigh
from dockyard.show import size
from dockyard.stores import unpacked_size
from dockyard.widgets.common import Explorer, replace
from dockyard.widgets.layers import picture, shared


def weights(client: docker.DockerClient, images: dict[str, str | None]) -> list[dict]:
    """For each image the engine holds (name -> its base, or None): its bytes and its base's share."""
    bars = []
    for name, base in images.items():
        try:
            total = unpacked_size(client.images.get(name))
        except ImageNotFound:
            continue
        try:
            base_bytes = (shared(client, name, base)["bytes"] or 0) if base else 0
        except ImageNotFound:
            base, base_bytes = None, 0  # the base is gone: weigh the image whole
        bars.append({"image": name, "bytes": total, "base": base, "base_bytes": base_bytes})
    return bars


def ratios(bars: list[dict]) -> list[str]:
    """Each image after the first, as a share of the first one's size."""
    if not bars:
        return []
    first = bars[0]
    return [f"{bar['image']} is {bar['bytes'] / first['bytes']:.0%} of {first['image']}:\n"
            f"  {size(bar['bytes'])} against {size(first['bytes'])}" for bar in bars[1:]]


class SizeRace(Explorer):
    """Image sizes side by side as a chart, with the ratios; Refresh reads them from the engine again."""

    def __init__(self, client: docker.DockerClient, images: dict[str, str | None]):
        self.client, self.images = client, dict(images)
        self.refresh = widgets.Button(description="Refresh", icon="refresh",
                                      tooltip="Read the images' sizes from the engine again")
        self.chart, self.out = widgets.HTML(), widgets.Output()
        self.refresh.on_click(self.on_refresh)
        super().__init__([self.refresh, self.chart, self.out])
        self.on_refresh()

    def summary(self) -> str:
        return ", ".join(self.images)  # short: a widget's text/plain is cut after 110 characters

    def on_refresh(self, _button=None) -> list[dict]:
        bars = weights(self.client, self.images)
        missing = [name for name in self.images if name not in {bar["image"] for bar in bars}]
        lines = ratios(bars)
        if missing:
            lines.append(f"not on the engine (yet): {', '.join(missing)}")
        replace(self.out, "\n".join(lines or ["No image to weigh yet."]) + "\n")
        alt = ("Horizontal bar chart of the images' sizes, one bar each, split into the layers of the base "
               "image and the layers the image adds.")
        self.chart.value = picture(weigh(bars), alt) if bars else ""
        return bars
