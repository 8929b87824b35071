"""Run another CPU's images for a lesson: register QEMU with the kernel's binfmt_misc as Docker's
documentation does (`docker run --privileged --rm tonistiigi/binfmt --install arm64`), and afterwards
remove only what the lesson registered. An emulator registered before (Docker Desktop has its own)
stays as it was. The names a lesson registered wait in a file until it removes them, so a lesson
stopped in between removes them on its next run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import docker

from dockyard.labels import labels
from dockyard.scratch import ROOT

IMAGE = "tonistiigi/binfmt:latest"
REGISTERED = ROOT / "dockyard-emulators"  # one emulator name a line, outside every chapter's folder
# Docker's names for CPUs, as QEMU names its emulators
QEMU = {"arm64": "aarch64", "amd64": "x86_64", "386": "i386", "arm": "arm", "riscv64": "riscv64",
        "ppc64le": "ppc64le", "s390x": "s390x"}


def binfmt(client: docker.DockerClient, chapter: str, *args: str) -> tuple[str, dict]:
    """`docker run --privileged --rm tonistiigi/binfmt ARGS`: what it reported on stderr, a line an
    emulator, and the status it printed on stdout (the platforms the kernel runs and its emulators)."""
    container = client.containers.run(IMAGE, list(args), privileged=True, detach=True, labels=labels(chapter))
    try:
        container.wait(timeout=60)
        # read apart: the lines go to stderr before the status goes to stdout, and a log of both
        # streams may interleave them in either order
        said = container.logs(stdout=False, stderr=True).decode()
        status = json.loads(container.logs(stdout=True, stderr=False).decode())
    finally:
        container.remove(force=True)
    return said, status


def emulator_name(arch: str) -> str:
    return f"qemu-{QEMU.get(arch, arch)}"


def show(said: str, status: dict) -> None:
    """Print a binfmt run as a terminal shows it: its lines, then its status (JSON, as Go indents it)."""
    print(said + json.dumps(status, indent=2))


def remove_registered(client: docker.DockerClient, chapter: str, quiet: bool = False) -> list[str]:
    """Uninstall the emulators a lesson registered and has not removed yet; return their names."""
    names = REGISTERED.read_text().split() if REGISTERED.exists() else []
    for name in names:
        removed = binfmt(client, chapter, "--uninstall", name)
        if not quiet:
            show(*removed)
    REGISTERED.unlink(missing_ok=True)
    return names


@contextmanager
def emulated(client: docker.DockerClient, arch: str, chapter: str) -> Iterator[None]:
    """Within the block the engine runs `arch` images through QEMU. Prints what `--install ARCH` printed
    on the way in and what `--uninstall` printed on the way out; when the emulator was registered
    before, says so and leaves it."""
    remove_registered(client, chapter, quiet=True)  # what a stopped earlier run left
    name = emulator_name(arch)
    _, before = binfmt(client, chapter)
    if name in (before["emulators"] or []):
        print(f"{name} was registered before: it stays as it is.")
        yield
        return
    REGISTERED.write_text(name + "\n")
    try:
        show(*binfmt(client, chapter, "--install", arch))
        yield
    finally:
        remove_registered(client, chapter)
