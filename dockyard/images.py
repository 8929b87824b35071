"""The images the course uses: keep what is present, pull what is missing, else build a stand-in."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import yaml
from docker.errors import APIError, BuildError, ImageNotFound

from dockyard.errors import CourseError
from dockyard.provision import apt_install, run_step

MANIFEST = Path(__file__).with_name("images.yaml")
STANDINS = Path(__file__).with_name("standins")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_MIRROR = "http://deb.debian.org/debian"
STANDIN_LABEL = "dockyard.standin"


class StandInFailed(CourseError):
    """A stand-in image could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class Image:
    name: str
    why: str
    standin: dict = field(default_factory=dict)


def manifest() -> list[Image]:
    entries = yaml.safe_load(MANIFEST.read_text())["images"]
    return [Image(**entry) for entry in entries]


def say(message: str) -> None:
    print(f"[images] {message}", flush=True)


def prepare(client: docker.DockerClient, names: list[str] | None = None) -> dict[str, str]:
    """Make every manifest image (or those named) present; return how each one got here."""
    wanted = [image for image in manifest() if names is None or image.name in names]
    platform = target_platform(client)
    say(f"platform: {platform}")
    outcome = {}
    for number, image in enumerate(wanted, 1):
        outcome[image.name] = _prepare_one(client, image, f"{number}/{len(wanted)}", platform)
    return outcome


def requested_platform() -> str | None:
    """The platform a learner asked for with DOCKER_DEFAULT_PLATFORM (the docker CLI, buildx and
    Compose honour it); the course's own SDK builds and pulls pass it on, so they honour it too."""
    return os.environ.get("DOCKER_DEFAULT_PLATFORM") or None


def target_platform(client: docker.DockerClient) -> str:
    """The platform images are prepared for: the one requested, else the engine's own."""
    version = client.version()
    return requested_platform() or f"{version['Os']}/{version['Arch']}"


def platform_arch(platform: str) -> str:
    """`linux/arm64/v8` -> `arm64`: the architecture as debootstrap and an image's config name it."""
    return platform.split("/")[1]


# This machine's CPU as image configs name it (Python says x86_64 or aarch64 on Linux, arm64 on a Mac).
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def emulated(client: docker.DockerClient) -> bool:
    """Whether the course's containers run under emulation: their images are for another CPU than this
    machine's (arm64 images on an amd64 host through qemu-user, or the reverse)."""
    return platform_arch(target_platform(client)) != HOST_ARCH


def _prepare_one(client: docker.DockerClient, image: Image, step: str, platform: str) -> str:
    if is_present(client, image.name):
        found = client.images.get(image.name).attrs.get("Architecture")
        note = "" if found == platform_arch(platform) else f" (for {found}, not {platform_arch(platform)})"
        say(f"{step} {image.name}: present{note}")
        return "present"
    say(f"{step} {image.name}: missing, pulling ...")
    try:
        client.images.pull(image.name, platform=platform)
        say(f"{step} {image.name}: pulled")
        return "pulled"
    except APIError as error:
        say(f"{step} {image.name}: no registry answers ({_short(error)}); building a stand-in ...")
    started = time.monotonic()
    if "rootfs" in image.standin:
        _import_rootfs(image, platform)
    else:
        _build_recipe(client, image, platform)
    _check_arch(client, image.name, platform)
    say(f"{step} {image.name}: stand-in built in {time.monotonic() - started:.0f} s")
    return "stand-in"


def is_present(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
    except ImageNotFound:
        return False
    return True


def is_standin(client: docker.DockerClient, name: str) -> bool:
    labels = client.images.get(name).labels or {}
    return STANDIN_LABEL in labels


def _standin_labels(image: Image, built_from: str) -> dict[str, str]:
    return {
        STANDIN_LABEL: image.name,
        "org.opencontainers.image.title": f"stand-in for {image.name}",
        "org.opencontainers.image.description": (
            f"Built offline by Dockyard in place of the official {image.name}, from {built_from}."
        ),
    }


def _check_arch(client: docker.DockerClient, name: str, platform: str) -> None:
    found = client.images.get(name).attrs.get("Architecture")
    if found != platform_arch(platform):
        raise StandInFailed(
            f"the stand-in for {name} came out for {found}, not {platform_arch(platform)}: this machine "
            f"cannot build {platform_arch(platform)} images. Unset DOCKER_DEFAULT_PLATFORM to prepare images "
            f"for the engine's own CPU, or register an emulator for it (apt-get install qemu-user-static), "
            f"remove the stand-in (docker rmi {name}) and run `python -m dockyard images prepare {name}` "
            f"again.")


def _import_rootfs(image: Image, platform: str) -> None:
    """debootstrap a minimal Debian and import it: the root of every stand-in.

    For another architecture debootstrap's second stage runs its binaries under emulation (binfmt_misc).
    """
    suite = image.standin["rootfs"]
    if not shutil.which("debootstrap"):
        apt_install(["debootstrap"])
    labels = _standin_labels(image, f"Debian {suite} (debootstrap --variant=minbase)")
    with tempfile.TemporaryDirectory(prefix="dockyard-rootfs-") as tmp:
        root = Path(tmp, "root")
        run_step(["debootstrap", f"--arch={platform_arch(platform)}", "--variant=minbase", suite, str(root),
                  DEBIAN_MIRROR], advice=_again(image.name), error=StandInFailed, stdout=subprocess.DEVNULL)
        _trust_host_ca(root)
        _slim(root)
        changes = ['CMD ["bash"]', "ENV LANG=C.UTF-8"]
        changes += [f'LABEL "{key}"="{value}"' for key, value in labels.items()]
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        args = ["docker", "import", "--platform", platform,
                *sum((["--change", c] for c in changes), []), "-", image.name]
        run_step(args, advice=_again(image.name), error=StandInFailed, stdin=tar.stdout,
                 stdout=subprocess.DEVNULL)
        tar.wait()


# What Debian's own -slim images leave out, and the apt settings they ship so later installs stay lean.
SLIM_EXCLUDED = ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/groff",
                 "usr/share/lintian", "usr/share/linda"]
DEBS = "/var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb"
APT_CLEAN = f"""\
DPkg::Post-Invoke {{ "rm -f {DEBS} || true"; }};
APT::Update::Post-Invoke {{ "rm -f {DEBS} || true"; }};
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""


def _slim(root: Path) -> None:
    """Drop docs, locales and apt caches, and keep later installs lean, as Debian's -slim tags do."""
    for folder in [*SLIM_EXCLUDED, "var/cache/apt", "var/lib/apt/lists"]:
        shutil.rmtree(root / folder, ignore_errors=True)
    for folder in ("var/lib/apt/lists/partial", "var/cache/apt/archives/partial"):
        (root / folder).mkdir(parents=True)
    excludes = "".join(f"path-exclude /{folder}/*\n" for folder in SLIM_EXCLUDED)
    (root / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(excludes)
    (root / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    (root / "etc/apt/apt.conf.d/docker-no-languages").write_text('Acquire::Languages "none";\n')


def _trust_host_ca(root: Path) -> None:
    """Carry the host's CA bundle, so pip in a build works behind a TLS-intercepting proxy.

    Placed where update-ca-certificates reads it too, so a later install of ca-certificates keeps it.
    """
    if not HOST_CA_BUNDLE.exists():
        return
    local = root / "usr/local/share/ca-certificates"
    local.mkdir(parents=True, exist_ok=True)
    shutil.copy(HOST_CA_BUNDLE, local / "host-bundle.crt")
    (root / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
    shutil.copy(HOST_CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")


def _build_recipe(client: docker.DockerClient, image: Image, platform: str) -> None:
    recipe, base = image.standin["recipe"], image.standin["base"]
    buildargs = {"BASE": base, **image.standin.get("args", {})}
    labels = _standin_labels(image, f"{base} and Debian packages (recipe {recipe})")
    try:
        for chunk in client.api.build(
            path=str(STANDINS / recipe), tag=image.name, buildargs=buildargs,
            labels=labels, forcerm=True, pull=False, decode=True, platform=platform,
        ):
            _show_build_progress(image.name, chunk)
    except BuildError as error:
        raise _build_failed(image.name, str(error)) from None


def _show_build_progress(name: str, chunk: dict) -> None:
    if "error" in chunk:
        raise _build_failed(name, chunk["error"].strip())
    line = chunk.get("stream", "").strip()
    if line.startswith("Step "):
        say(f"    {name}: {line}")


def _build_failed(name: str, why: str) -> StandInFailed:
    return StandInFailed(f"building the stand-in for {name} failed: {why}. {_again(name)}")


def _again(name: str) -> str:
    """What to do when a stand-in could not be made: they are all made from Debian's packages."""
    return (f"Stand-ins are made from Debian packages at {DEBIAN_MIRROR}: check that this machine and its "
            f"containers reach it (docker run --rm debian:bookworm-slim apt-get update), then run "
            f"`python -m dockyard images prepare {name}` again.")


def _short(error: APIError) -> str:
    # The engine's message ends with the cause ("... lookup registry-1.docker.io: no such host").
    detail = str(error.explanation or error).strip().splitlines()[0]
    return detail.rsplit(": ", 1)[-1][:110]
