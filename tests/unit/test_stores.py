"""The image store's measures: an image's unpacked size is one measure on either store."""

from dockyard.stores import image_store, unpacked_size


def test_the_unpacked_size_is_the_classic_size_and_more_than_the_containerd_one(client):
    """The classic store's Size is the bytes of the unpacked layers; the containerd store's counts the
    compressed content it keeps, less than the same layers unpacked."""
    image = client.images.get("python:3.11-slim")
    if image_store(client) == "classic":
        assert unpacked_size(image) == image.attrs["Size"]
    else:
        assert unpacked_size(image) > image.attrs["Size"]
