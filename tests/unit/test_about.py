import pytest

import dockyard
from dockyard.about import OFFICIAL, STANDIN, ImageMissing


def test_each_image_is_named_official_or_stand_in(client, capsys):
    dockyard.about(client, ["debian:bookworm-slim"])
    out = capsys.readouterr().out
    assert out.startswith("Connected to Docker Engine")
    assert ("debian:bookworm-slim  " + OFFICIAL) in out or ("debian:bookworm-slim  " + STANDIN) in out


def test_a_missing_image_stops_with_what_to_run(client):
    with pytest.raises(ImageMissing, match="docker pull dockyard/never-built:1") as caught:
        dockyard.about(client, ["dockyard/never-built:1"])
    assert "make setup" in str(caught.value)
