import dockyard


def test_cleanup_removes_only_the_chapters_labelled_resources(client, unique):
    mine = client.networks.create(f"{unique}-mine", labels=dockyard.labels("unit-a"))
    other_chapter = client.volumes.create(f"{unique}-other", labels=dockyard.labels("unit-b"))
    learners = client.volumes.create(f"{unique}-learner")
    try:
        removed = dockyard.cleanup(client, "unit-a")
        assert removed == [f"network {unique}-mine"]
        assert client.volumes.get(other_chapter.name)
        assert client.volumes.get(learners.name)
        assert client.networks.list(names=[mine.name]) == []
    finally:
        other_chapter.remove()
        learners.remove()


def test_cleanup_removes_containers_before_their_network(client, unique):
    network = client.networks.create(unique, labels=dockyard.labels("unit-c"))
    client.containers.create("debian:bookworm-slim", ["true"], name=unique, network=network.name,
                             labels=dockyard.labels("unit-c"))
    removed = dockyard.cleanup(client, "unit-c")
    assert removed == [f"container {unique}", f"network {unique}"]
    assert all(unique not in item for item in dockyard.leftovers(client))


def test_leftovers_lists_labelled_resources(client, unique):
    volume = client.volumes.create(unique, labels=dockyard.labels("unit-d"))
    try:
        assert f"volume {unique}" in dockyard.leftovers(client)
    finally:
        volume.remove()
    assert f"volume {unique}" not in dockyard.leftovers(client)
