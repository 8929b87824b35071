"""`python -m tools.bench`: medians of the operations a learner waits for, on this engine."""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from collections.abc import Callable

import docker

from dockyard import images
from dockyard.labels import labels
from dockyard.ports import LOOPBACK, free_port
from dockyard.sample import sample_image
from dockyard.web import wait_for_http

CHAPTER = "bench"


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _serve_and_answer(client: docker.DockerClient, init: bool) -> None:
    port = free_port()
    container = client.containers.run(
        "dockyard/sample-app:latest", detach=True, init=init, labels=labels(CHAPTER),
        ports={"5000/tcp": (LOOPBACK, port)},
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", container=container)
    finally:
        container.remove(force=True)


def _quietly(action, *args):
    with contextlib.redirect_stdout(io.StringIO()):  # time the work, not its progress lines
        return action(*args)


def run(client: docker.DockerClient, repeat: int = 5) -> list[tuple[str, float]]:
    sample_image(client)
    return [
        ("images prepare, all present", median_seconds(lambda: _quietly(images.prepare, client), repeat)),
        ("sample image rebuild, all cached", median_seconds(lambda: sample_image(client), repeat)),
        ("run --rm debian true (start to exit)", median_seconds(
            lambda: client.containers.run("debian:bookworm-slim", ["true"], remove=True,
                                          labels=labels(CHAPTER)), repeat)),
        ("sample app: run to first HTTP answer", median_seconds(
            lambda: _serve_and_answer(client, init=True), repeat)),
    ]


def bundle_round_trip(client: docker.DockerClient) -> list[tuple[str, float]]:
    """The whole set of images saved to a folder, then loaded back: once, being minutes of disk work."""
    import tempfile
    from pathlib import Path

    from dockyard import bundle

    with tempfile.TemporaryDirectory(prefix="dockyard-bench-") as folder:
        started = time.perf_counter()
        _quietly(bundle.save, client, Path(folder))
        saved = time.perf_counter() - started
        _quietly(bundle.load, client, Path(folder))
        return [("images save, the whole set (one run)", saved),
                ("images load of it, all present (one run)", time.perf_counter() - started - saved)]


def report(client: docker.DockerClient, repeat: int = 5, with_bundle: bool = False) -> None:
    results = run(client, repeat) + (bundle_round_trip(client) if with_bundle else [])
    print(f"median of {repeat} runs each")
    for name, seconds in results:
        print(f"  {name:40} {seconds:6.2f} s")


def main(argv: list[str] | None = None) -> None:
    """`python -m tools.bench` (make bench): the operations' medians, the images' sizes, then where the
    last make test spent its time."""
    import argparse
    from contextlib import closing

    from rich.console import Console

    from dockyard import inventory
    from dockyard.cleanup import cleanup
    from dockyard.engine import connect
    from tests.support import suitetimes

    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=main.__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each operation (default: 5)")
    parser.add_argument("--bundle", action="store_true",
                        help="also time saving the whole set of images and loading it back (about a minute)")
    args = parser.parse_args(argv)
    with closing(connect()) as client:
        report(client, args.repeat, args.bundle)
        cleanup(client, CHAPTER)
        Console(width=120).print(inventory.table(inventory.manifest_states(client),
                                                 inventory.engine_arch(client)))
    suitetimes.report()


if __name__ == "__main__":
    main()
