"""`python -m dockyard reset` on the real engine: the course's labelled resources go, a learner's stay."""

import pytest
from cli_support import dockyard
from docker.errors import ImageNotFound, NotFound
from image_support import buildkit

from dockyard.labels import labels


@pytest.fixture
def scene(client, unique):
    """A chapter's labelled container, network, volume and image, and a learner's unlabelled ones."""
    chapter = f"{unique}-chapter"
    course, learner = {}, {}
    try:  # a setup that fails part-way still removes what it made: a labelled leftover fails tests/final
        course["network"] = client.networks.create(f"{unique}-net", labels=labels(chapter))
        course["volume"] = client.volumes.create(f"{unique}-data", labels=labels(chapter))
        course["container"] = client.containers.run(
            "debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-run", detach=True, init=True,
            labels=labels(chapter), network=course["network"].name)
        course["image"] = buildkit(client, "FROM debian:bookworm-slim\nLABEL unit.reset=1", labels(chapter),
                                   tag=f"dockyard/{unique}:1")
        learner["network"] = client.networks.create(f"{unique}-mine")
        learner["volume"] = client.volumes.create(f"{unique}-mine")
        learner["container"] = client.containers.run(
            "debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-mine", detach=True, init=True,
            network=learner["network"].name, volumes={learner["volume"].name: {"bind": "/data"}})
        client.images.get("debian:bookworm-slim").tag(f"{unique}-mine", "1")
        yield chapter, course, learner
    finally:
        for kind in ("container", "network", "volume"):
            for resource in (course.get(kind), learner.get(kind)):
                try:
                    if kind == "container" and resource is not None:
                        resource.remove(force=True)
                    elif resource is not None:
                        resource.remove()
                except NotFound:
                    pass
        for image in (f"{unique}-mine:1", f"dockyard/{unique}:1"):
            try:
                client.images.remove(image)
            except ImageNotFound:
                pass


def test_reset_removes_the_chapters_resources_and_leaves_the_learners(client, unique, scene):
    chapter, course, learner = scene
    done = dockyard("reset", "--chapter", chapter, "--images")
    for line in (f"removed container {unique}-run", f"removed network {unique}-net",
                 f"removed volume {unique}-data", f"removed image dockyard/{unique}:1"):
        assert line in done.stdout
    assert f"Selected by the label dockyard.chapter={chapter} only" in done.stdout
    assert "Nothing else was touched" in done.stdout
    assert client.containers.list(all=True, filters={"label": f"dockyard.chapter={chapter}"}) == []
    with pytest.raises(ImageNotFound):
        client.images.get(f"dockyard/{unique}:1")
    mine = client.containers.get(learner["container"].id)
    assert mine.status == "running"
    assert client.networks.get(learner["network"].id).name == f"{unique}-mine"
    assert client.volumes.get(learner["volume"].name).id == learner["volume"].id
    assert client.images.get(f"{unique}-mine:1").id == client.images.get("debian:bookworm-slim").id


def test_a_dry_run_lists_what_would_go_and_removes_nothing(client, unique, scene):
    chapter, course, learner = scene
    done = dockyard("reset", "--chapter", chapter, "--dry-run")
    assert f"would remove container {unique}-run" in done.stdout
    assert "image" not in done.stdout.split("Selected")[0]  # images only with --images
    assert f"{unique}-mine" not in done.stdout
    assert "Nothing else would be touched" in done.stdout
    assert client.containers.get(course["container"].id).status == "running"
    assert client.volumes.get(course["volume"].name)


def test_cleanup_still_answers_as_reset(client, unique, scene):
    chapter, course, learner = scene
    done = dockyard("cleanup", "--chapter", chapter)
    assert f"removed container {unique}-run" in done.stdout
    assert client.images.get(f"dockyard/{unique}:1")  # without --images the course's image stays
    assert client.containers.get(learner["container"].id).status == "running"


def test_nothing_labelled_says_so(unique):
    done = dockyard("reset", "--chapter", f"{unique}-empty")
    assert f"nothing carries the label dockyard.chapter={unique}-empty" in done.stdout


def test_an_exercise_reset_removes_its_answers_by_the_names_the_tasks_give(client, unique):
    """An answer typed as at work carries no course label: reset finds it by the task's names
    (dockyard-exNN-..., dockyard/exNN-...), and leaves a learner's unlabelled things of other names."""
    chapter, prefix = "ex99", f"dockyard-ex99-{unique}"
    volume = client.volumes.create(f"{prefix}-data")
    answer = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{prefix}-web",
                                   detach=True, init=True, volumes={volume.name: {"bind": "/data"}})
    client.images.get("debian:bookworm-slim").tag(f"dockyard/ex99-{unique}", "1")
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=f"{unique}-ex99-mine",
                                 detach=True, init=True)
    try:
        done = dockyard("reset", "--chapter", chapter, "--images")
        for line in (f"removed container {prefix}-web", f"removed volume {prefix}-data",
                     f"removed image dockyard/ex99-{unique}:1"):
            assert line in done.stdout
        assert "the names the exercise tasks give (dockyard-ex99-…, dockyard/ex99-…)" in done.stdout
        with pytest.raises(NotFound):
            client.containers.get(answer.id)
        assert client.containers.get(mine.id).status == "running"
        assert client.images.get("debian:bookworm-slim")  # the tag went, the base image stays
    finally:
        mine.remove(force=True)
        for leftover in (answer, volume):
            try:
                leftover.remove(force=True) if leftover is answer else leftover.remove()
            except NotFound:
                pass
        try:
            client.images.remove(f"dockyard/ex99-{unique}:1")
        except ImageNotFound:
            pass
