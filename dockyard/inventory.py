"""What each manifest image is on this engine: present or not, official or stand-in, size, architecture."""

from __future__ import annotations

import platform
from dataclasses import dataclass

import docker
from docker.errors import ImageNotFound
from rich.table import Table

from dockyard import images

# The names Docker uses for CPU architectures, from the names kernels and Python report.
ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
              "armv7l": "arm", "armv6l": "arm", "i386": "386", "i686": "386"}


def docker_arch(machine: str) -> str:
    """`x86_64` and `amd64` are one architecture; say it as Docker does."""
    return ARCH_NAMES.get(machine.lower(), machine.lower())


def host_arch() -> str:
    return docker_arch(platform.machine())


def engine_arch(client: docker.DockerClient) -> str:
    return docker_arch(client.info()["Architecture"])


@dataclass(frozen=True)
class ImageState:
    name: str
    why: str
    present: bool
    standin: bool = False
    id: str = ""
    size: int = 0
    arch: str = ""
    layers: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        if not self.present:
            return "missing"
        return "stand-in" if self.standin else "official"


def state(client: docker.DockerClient, name: str, why: str = "") -> ImageState:
    try:
        image = client.images.get(name)
    except ImageNotFound:
        return ImageState(name, why, present=False)
    attrs = image.attrs
    return ImageState(
        name, why, present=True, standin=images.STANDIN_LABEL in (image.labels or {}), id=image.id,
        size=attrs.get("Size") or 0, arch=attrs.get("Architecture") or "",
        layers=tuple(attrs.get("RootFS", {}).get("Layers") or ()),
    )


def manifest_states(client: docker.DockerClient, names: list[str] | None = None) -> list[ImageState]:
    """Every manifest image (or those named, in manifest order) as the engine has it now."""
    return [state(client, image.name, image.why) for image in images.manifest()
            if names is None or image.name in names]


def unique_size(states: list[ImageState]) -> int:
    """Bytes the images take together, counting a base's layers once (as `docker save` stores them).

    An image whose layers start with another's adds only what it has on top of it.
    """
    counted: list[ImageState] = []
    total = 0
    for current in sorted((s for s in states if s.present), key=lambda s: len(s.layers)):
        bases = [c for c in counted if c.layers and current.layers[:len(c.layers)] == c.layers]
        base = max(bases, key=lambda c: len(c.layers), default=None)
        total += current.size - (base.size if base else 0)
        counted.append(current)
    return total


def human(size: float) -> str:
    """Bytes as Docker prints them (decimal units)."""
    for unit in ("B", "kB", "MB"):
        if abs(size) < 1000:
            return f"{size:.0f} {unit}" if unit != "MB" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def table(states: list[ImageState], engine: str) -> Table:
    """The manifest as `images list` shows it."""
    here = sum(s.present for s in states)
    view = Table(title=f"Course images: {here} of {len(states)} here, engine {engine}")
    for column in ("image", "on this engine", "architecture", "size"):
        view.add_column(column, no_wrap=True)
    view.add_column("used for")
    for s in states:
        origin = {"missing": "[red]missing[/]", "stand-in": "[yellow]stand-in[/]"}.get(s.origin, s.origin)
        arch = s.arch
        if s.present and docker_arch(s.arch) != engine:
            arch = f"[red]{s.arch}[/] (not {engine})"
        view.add_row(s.name, origin, arch, human(s.size) if s.present else "", s.why)
    return view
