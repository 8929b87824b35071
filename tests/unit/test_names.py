import pytest

import dockyard
from dockyard.names import NameInUse, NameTaken


def test_a_learners_container_keeps_its_name_and_keeps_running(client, unique):
    theirs = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=unique,
                                   detach=True, init=True)
    try:
        with pytest.raises(NameTaken) as raised:
            dockyard.claim(client, "container", unique)
        assert f"container name '{unique}' is already used" in str(raised.value)
        assert f"docker rename {unique}" in str(raised.value)
        theirs.reload()
        assert theirs.status == "running"
    finally:
        theirs.remove(force=True)


@pytest.mark.parametrize("kind", ["network", "volume"])
def test_a_learners_network_or_volume_is_refused_and_kept(client, unique, kind):
    collection = client.networks if kind == "network" else client.volumes
    theirs = collection.create(unique)
    try:
        with pytest.raises(NameTaken, match=f"{kind} name '{unique}'"):
            dockyard.claim(client, kind, unique)
        assert collection.get(unique).id == theirs.id
    finally:
        theirs.remove()


def test_a_learners_image_tag_is_never_rebuilt_over(client, unique):
    client.images.get("debian:bookworm-slim").tag(unique, "1")
    try:
        with pytest.raises(NameTaken, match="docker tag"):
            dockyard.sample_image(client, tag=f"{unique}:1")
        assert client.images.get(f"{unique}:1").id == client.images.get("debian:bookworm-slim").id
    finally:
        client.images.remove(f"{unique}:1")


def test_a_course_container_left_by_an_earlier_run_is_a_conflict_and_stays(client, unique):
    made = client.containers.create("debian:bookworm-slim", ["true"], name=unique,
                                    labels=dockyard.labels("unit"))
    conflict = rf'Conflict\. The container name "{unique}" is already in use'
    try:
        with pytest.raises(NameInUse, match=conflict) as refused:
            dockyard.claim(client, "container", unique)
        assert f"docker rm -f {unique}" in str(refused.value)
        assert client.containers.get(unique).id == made.id  # nothing removed
    finally:
        made.remove()


def test_an_id_prefix_is_not_a_name_clash(client, unique):
    theirs = client.containers.create("debian:bookworm-slim", ["true"], name=unique)
    try:
        dockyard.claim(client, "container", theirs.id[:12])  # nothing is named that
        assert client.containers.get(unique).id == theirs.id
    finally:
        theirs.remove()


def test_a_free_name_is_simply_free(client, unique):
    dockyard.claim(client, "container", unique)
