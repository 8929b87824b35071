"""Listings hold while another process removes what they listed (a lesson's `--rm` container, a test on
the other worker). Each test removes one item between the engine's listing and the SDK's inspect of
it, as that other process would: the SDK's own list() fails there, the course's listing leaves it out."""

import pytest
from docker.errors import ImageNotFound, NotFound
from image_support import buildkit

from dockyard import listing
from dockyard.labels import labels, selector

CHAPTER = "unit-listing"


def remove_after_listing(client, monkeypatch, api_call: str, remove) -> None:
    """Make the next `client.api.<api_call>()` remove an item right after the engine answers."""
    original = getattr(client.api, api_call)

    def listed_then_removed(*args, **kwargs):
        summaries = original(*args, **kwargs)
        remove()
        return summaries

    monkeypatch.setattr(client.api, api_call, listed_then_removed)


@pytest.fixture
def containers(client, unique):
    """Make a labelled container on demand; remove any left at the end."""
    made = []

    def create(name: str):
        made.append(client.containers.create("debian:bookworm-slim", name=f"{unique}-{name}",
                                             labels=labels(CHAPTER)))
        return made[-1]

    yield create
    for container in made:
        try:
            container.remove(force=True)
        except NotFound:
            pass


@pytest.mark.parametrize("list_with", ["the SDK", "listing"])
def test_a_container_removed_after_listing_is_left_out(client, containers, monkeypatch, list_with):
    kept, gone = containers("kept"), containers("gone")
    remove_after_listing(client, monkeypatch, "containers", gone.remove)
    if list_with == "the SDK":
        with pytest.raises(NotFound):
            client.containers.list(all=True, filters=selector(CHAPTER))
    else:
        assert [c.name for c in listing.containers(client, selector(CHAPTER))] == [kept.name]


@pytest.fixture
def images(client, unique):
    """Build a labelled image on demand (its own content, so each is its own image); remove at the end."""
    made = []

    def build(name: str):
        dockerfile = f"FROM debian:bookworm-slim\nLABEL unit.listing={unique}-{name}"
        image = buildkit(client, dockerfile, labels(CHAPTER), tag=f"dockyard/{unique}:{name}")
        made.append(image)
        return image

    yield build
    for image in made:
        try:
            client.images.remove(image.id, force=True)
        except ImageNotFound:
            pass


@pytest.mark.parametrize("list_with", ["the SDK", "listing"])
def test_an_image_removed_after_listing_is_left_out(client, images, monkeypatch, unique, list_with):
    kept, gone = images("kept"), images("gone")
    ours = {"label": ["unit.listing"], "reference": [f"dockyard/{unique}"]}
    remove_after_listing(client, monkeypatch, "images", lambda: client.images.remove(gone.id, force=True))
    if list_with == "the SDK":
        with pytest.raises(NotFound):
            client.images.list(filters=ours)
    else:
        assert [image.id for image in listing.images(client, ours)] == [kept.id]


def test_the_course_listing_names_one_chapters_resources_and_no_others(client, containers, unique):
    kept = containers("kept")
    network = client.networks.create(f"{unique}-net", labels=labels(CHAPTER))
    volume = client.volumes.create(f"{unique}-vol", labels=labels(CHAPTER))
    other = client.volumes.create(f"{unique}-other", labels=labels(f"{CHAPTER}-other"))
    try:
        mine = listing.course(client, CHAPTER)
        assert mine.names() == [f"container {kept.name}", f"network {network.name}", f"volume {volume.name}"]
        assert f"volume {other.name}" in listing.course(client).names()
    finally:
        network.remove()
        volume.remove()
        other.remove()


@pytest.mark.parametrize(("name", "ours"), [
    ("dockyard-ex10-registry", True),
    ("dockyard/ex10-app:pinned", True),
    ("localhost:5000/dockyard/ex10-app:1.0", True),
    ("registry.example.com/dockyard/ex10-app:1.0", True),
    ("localhost/dockyard/ex10-app:1.0", True),
    ("someone/dockyard/ex10-app:1.0", False),  # a Docker Hub user's repository, not a registry's address
    ("dockyard-ex100-registry", False),
    ("my-dockyard-ex10-registry", False),
])
def test_the_exercises_names_include_an_image_tagged_for_a_registry(name, ours):
    assert bool(listing.exercise_names("ex10").match(name)) is ours
    assert bool(listing.exercise_names().match(name)) is ours


def test_a_list_that_fails_while_an_image_goes_is_asked_again(client, images, monkeypatch, unique):
    """The containerd image store can fail the list itself (404, a content digest not found) while another
    process deletes an image; the listing asks again, and a list that keeps failing still raises."""
    kept = images("kept")
    ours = {"label": ["unit.listing"], "reference": [f"dockyard/{unique}"]}
    original, failures = client.api.images, []

    def fails_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise NotFound("content digest sha256:0123 not found")
        return original(*args, **kwargs)

    monkeypatch.setattr(client.api, "images", fails_once)
    assert [image.id for image in listing.images(client, ours)] == [kept.id]
    def always_fails(*args, **kwargs):
        raise NotFound("content digest sha256:0123 not found")

    monkeypatch.setattr(client.api, "images", always_fails)
    with pytest.raises(NotFound):
        listing.images(client, ours)
