"""Test images: on the debian stand-in, built with the real BuildKit CLI and labelled for cleanup; or
of one small file, imported, for a registry to store in a moment."""

import io
import re
import shlex
import tarfile
import tempfile
from pathlib import Path

import docker

import dockyard
from dockyard.buildkit import run_build
from dockyard.waiting import until

BASE = "debian:bookworm-slim"
# The containerd image store can fail one of two commits that store the same layer at once (a container
# with no change of its own gives every commit the same empty layer): "failed to export layer: ...
# failed to commit: rename .../ingest/.../data .../blobs/sha256/...: no such file or directory". The tests
# commit side by side; a learner commits one at a time.
COMMIT_RACE = re.compile(r"failed to export layer: .*failed to commit: rename .* no such file or directory",
                         re.S)


def build(unique: str, tag: str, lines: str) -> None:
    """Build `FROM BASE` plus the given Dockerfile lines from stdin, labelled with `unique`."""
    dockyard.build(f"docker build --progress=plain --label dockyard.chapter={unique} -t {tag} - <<'EOF'\n"
                   f"FROM {BASE}\n{lines}\nEOF", show=False)


def buildkit(client, dockerfile: str, labels: dict[str, str], tag: str | None = None):
    """The image BuildKit builds from `dockerfile` (no context), through the docker CLI as the course
    builds. Not the SDK's images.build(): it drives the legacy builder, whose unnamed step images the
    containerd image store's garbage collector can take while the build runs, when another process
    deletes an image ("unable to find image sha256:...")."""
    flags = " ".join(f"--label {shlex.quote(f'{key}={value}')}" for key, value in labels.items())
    named = f"-t {tag} " if tag else ""
    with tempfile.TemporaryDirectory() as folder:
        iid = Path(folder) / "iid"
        line = f"docker build -q --iidfile {iid} {flags} {named}- <<'EOF'\n{dockerfile.rstrip()}\nEOF"
        ran = run_build(line)  # once more after an engine race: see buildkit.SNAPSHOT_RACE
        assert ran.returncode == 0, ran.output
        return client.images.get(iid.read_text().strip())


def commit(container, repository: str, tag: str, **options):
    """`docker commit` of `container` (the SDK's container.commit), once more after COMMIT_RACE."""
    try:
        return container.commit(repository, tag, **options)
    except docker.errors.APIError as error:
        if not COMMIT_RACE.search(str(error)):
            raise
        return container.commit(repository, tag, **options)


def one_file(text: str) -> bytes:
    """A tar of one file, hello.txt, holding `text`: what `docker import` makes a one-layer image of."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = f"{text}\n".encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return data.getvalue()


def prune(client, filters: dict) -> dict:
    """`docker image prune` with filters, as a learner runs it, asked again while the engine is busy with
    another test's prune: it runs one at a time and refuses a second ("a prune operation is already
    running")."""
    def attempt():
        try:
            return client.images.prune(filters=filters)
        except docker.errors.APIError as error:
            if "prune operation is already running" not in str(error):
                raise
            return None

    return until(attempt, timeout=60, interval=0.2, done=lambda pruned: pruned is not None,
                 error="another prune held the engine for 60 s")
