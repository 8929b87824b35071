"""The Networking chapter's map: the chapter's containers and the networks they sit on, drawn from
the engine and drawn again when you press Refresh (after a `docker network connect` in a terminal,
say).

The core is plain: `dockyard.figures.networks.read_networks` reads the state, `network_map` draws it,
`describe` says it in words; `picture` turns the drawing into an `<img>` with that alt text.
"""

from __future__ import annotations

import base64
import html

import docker
import ipywidgets as widgets

from dockyard.figures.networks import describe, network_map, read_networks
from dockyard.figures.style import png
from dockyard.widgets.common import Explorer, replace


def picture(networks: list[dict]) -> str:
    """The map as an HTML image with alt text, so the book's reader hears what it shows too."""
    data = base64.b64encode(png(network_map(networks))).decode()
    return (f'<img alt="{html.escape(describe(networks))}" style="max-width:100%" '
            f'src="data:image/png;base64,{data}">')


class NetworkMap(Explorer):
    """A picture of the chapter's containers on their networks, with a Refresh button."""

    def __init__(self, client: docker.DockerClient, chapter: str):
        self.client, self.chapter = client, chapter
        self.networks: list[dict] = []
        self.refresh_button = widgets.Button(
            description="Refresh", tooltip="Read the networks and containers again and redraw the map")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.picture = widgets.HTML()
        self.out = widgets.Output()  # the map in words, under the picture
        super().__init__([self.refresh_button, self.picture, self.out])
        self.refresh()

    def summary(self) -> str:
        return f"chapter={self.chapter!r}"

    def refresh(self) -> None:
        """Read the state again and redraw (well under a second; no thread needed)."""
        self.networks = read_networks(self.client, self.chapter)
        self.picture.value = picture(self.networks)
        replace(self.out, describe(self.networks).replace("; ", ";\n") + "\n")
