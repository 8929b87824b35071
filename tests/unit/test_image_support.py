"""The tests' own image helpers: a commit that loses the engine's race for a shared layer runs once more."""

import docker
import image_support
import pytest

# As the engine answered one of two commits side by side (CI, 2026-12-07), paths shortened.
RACE = ('500 Server Error: Internal Server Error ("failed to export layer: CreateDiff: mount callback failed '
        'on /var/lib/docker/containerd/daemon/tmpmounts/containerd-mount1262502907: failed to commit: rename '
        '/var/lib/docker/containerd/daemon/io.containerd.content.v1.content/ingest/654e/data '
        '/var/lib/docker/containerd/daemon/io.containerd.content.v1.content/blobs/sha256/5ca0: '
        'no such file or directory")')


class Container:
    """Commits fail with the given messages, in turn, then succeed."""

    def __init__(self, *errors):
        self.errors, self.calls = list(errors), []

    def commit(self, repository, tag, **options):
        self.calls.append((repository, tag, options))
        if self.errors:
            raise docker.errors.APIError(self.errors.pop(0))
        return "image"


def test_a_commit_that_lost_the_race_runs_once_more():
    container = Container(RACE)
    assert image_support.commit(container, "dockyard/x", "1", changes=["CMD x"]) == "image"
    assert container.calls == [("dockyard/x", "1", {"changes": ["CMD x"]})] * 2


@pytest.mark.parametrize("errors", [("no such container",), (RACE, RACE)], ids=["other error", "race twice"])
def test_any_other_failure_or_a_second_race_is_raised(errors):
    container = Container(*errors)
    with pytest.raises(docker.errors.APIError):
        image_support.commit(container, "dockyard/x", "1")
    assert len(container.calls) == len(errors)
