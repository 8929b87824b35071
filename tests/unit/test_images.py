import time

import pytest

from dockyard import images


def test_manifest_lists_each_image_once_with_a_stand_in_recipe():
    entries = images.manifest()
    names = [image.name for image in entries]
    assert len(names) == len(set(names))
    assert "python:3.11-slim" in names
    for image in entries:
        assert image.why
        recipe = image.standin.get("recipe")
        assert "rootfs" in image.standin or (images.STANDINS / recipe / "Dockerfile").exists()


def test_every_stand_in_base_comes_earlier_in_the_manifest():
    seen = set()
    for image in images.manifest():
        base = image.standin.get("base")
        assert base is None or base in seen, f"{image.name} needs {base} first"
        seen.add(image.name)


def test_the_sample_apps_base_is_in_the_manifest():
    from dockyard.sample import SAMPLE_APP

    base = (SAMPLE_APP / "Dockerfile").read_text().split("FROM ", 1)[1].split()[0]
    assert base in [image.name for image in images.manifest()]


def test_prepare_keeps_present_images_and_is_quick(client, capsys):
    started = time.monotonic()
    outcome = images.prepare(client)
    assert time.monotonic() - started < 3
    assert set(outcome.values()) == {"present"}
    assert "present" in capsys.readouterr().out


def test_a_stand_in_says_what_it_is(client):
    labels = client.images.get("python:3.11-slim").labels or {}
    if images.STANDIN_LABEL not in labels:
        pytest.skip("the official image is here, not a stand-in")
    assert labels[images.STANDIN_LABEL] == "python:3.11-slim"
    assert "built offline" in labels["org.opencontainers.image.description"].lower()
