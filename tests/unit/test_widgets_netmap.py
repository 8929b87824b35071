"""The Networking chapter's map against the real engine: it draws the chapter's containers on their
networks, with alt text, and Refresh shows a connection made since."""

import base64
import html
import re

import pytest

import dockyard
from dockyard.widgets import NetworkMap

IMAGE = "debian:bookworm-slim"


@pytest.fixture
def chapter(client, unique):
    yield unique
    dockyard.cleanup(client, unique)


def members(widget, network):
    return [c["name"] for n in widget.networks if n["name"] == network for c in n["containers"]]


def test_the_map_draws_real_state_and_refresh_redraws_it(client, chapter):
    labels = dockyard.labels(chapter)
    network = client.networks.create(f"{chapter}-net", labels=labels)
    client.containers.run(IMAGE, ["sleep", "infinity"], name=f"{chapter}-web", network=network.name,
                          detach=True, init=True, labels=labels)
    lone = client.containers.run(IMAGE, ["sleep", "infinity"], name=f"{chapter}-lone", detach=True,
                                 init=True, labels=labels)
    learners = client.containers.run(IMAGE, ["sleep", "infinity"], name=f"{chapter}-learner",
                                     network=network.name, detach=True, init=True)
    try:
        widget = NetworkMap(client, chapter)
        assert repr(widget) == f"NetworkMap(chapter={chapter!r})"
        assert [n["name"] for n in widget.networks] == ["bridge", network.name]
        assert members(widget, network.name) == [f"{chapter}-web"]  # never the learner's container
        assert members(widget, "bridge") == [f"{chapter}-lone"]

        image = re.fullmatch(r'<img alt="([^"]*)" style="[^"]*" src="data:image/png;base64,([^"]+)">',
                             widget.picture.value)
        assert image, widget.picture.value[:200]
        assert base64.b64decode(image[2]).startswith(b"\x89PNG")
        alt = html.unescape(image[1])
        assert f"{network.name} holds {chapter}-web" in alt
        assert f"{chapter}-lone" in widget.out.outputs[0]["text"]

        network.connect(lone)
        widget.refresh_button.click()
        assert members(widget, network.name) == [f"{chapter}-lone", f"{chapter}-web"]
        assert f"{network.name} holds {chapter}-lone, {chapter}-web" in html.unescape(widget.picture.value)
    finally:
        learners.remove(force=True)
