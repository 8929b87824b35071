"""Build the classroom's two images from the course's own engine packages and this checkout.

    .venv/bin/python classroom/build_images.py

- `dockyard/classroom-engine`: a learner's private Docker engine (classroom/engine/Dockerfile), FROM the
  course's `debian:bookworm-slim`, with the binaries `dockyard/provision.py` unpacked from Debian's
  packages into /opt/dockyard-engine (where they are missing, it unpacks them again with apt-get
  download, as provision does).
- `dockyard/classroom-learner`: a learner's notebook server (classroom/learner/Dockerfile), FROM the
  course's `python:3.11-slim`, with classroom/learner.txt's hashed pins (the course's dependencies,
  JupyterLab and the hub's JupyterHub version), the course package built from this checkout as a wheel,
  the docker CLI and its plugins, and the notebooks and the sample app as git tracks them here.

Both build with BuildKit from images already on the engine (never --pull), carry the label
`dockyard.chapter=classroom`, and stay on the engine afterwards (the next build reuses their cache);
the untagged images a rebuild replaces are removed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

CLASSROOM = Path(__file__).resolve().parent
REPO = CLASSROOM.parent
CONTEXTS = CLASSROOM / "build"
ENGINE_IMAGE = "dockyard/classroom-engine:latest"
LEARNER_IMAGE = "dockyard/classroom-learner:latest"
LABEL = "dockyard.chapter=classroom"
PREFIX = Path("/opt/dockyard-engine")
PLUGIN_DIR = Path("/usr/local/lib/docker/cli-plugins")
ENGINE_BINARIES = ["dockerd", "docker-proxy", "containerd", "containerd-shim-runc-v2"]
PLUGINS = ["docker-compose", "docker-buildx"]
LEARNER_LOCK = CLASSROOM / "learner.txt"
# Pins whose pinned release needs a newer Python than the stand-in python:3.11-slim's (Debian 12's
# 3.11.2), with the Python they need: on an older Python the learner image takes the newest release
# that installs there instead, without a hash. soupsieve 3.0.2 and later need 3.11.5; the official
# python:3.11-slim carries 3.11.5 or later and takes every pin.
UNPINNED_ON_OLD_PYTHON = {"soupsieve": (3, 11, 5)}
# What a learner's server holds of this checkout besides the package: the lessons and the app.
COURSE_PATHS = ["chapters", "exercises", "sample-app"]
# The course package's wheel is built from these alone.
PACKAGE_PATHS = ["pyproject.toml", "README.md", "dockyard"]


def say(message: str) -> None:
    print(f"[classroom] {message}", flush=True)


def hub_version() -> str:
    """The JupyterHub version of the hub's venv; a single-user server must match its hub."""
    venv_python = CLASSROOM / ".venv/bin/python"
    if venv_python.exists():
        probe = subprocess.run([str(venv_python), "-c", "import jupyterhub; print(jupyterhub.__version__)"],
                               capture_output=True, text=True, check=True)
        return probe.stdout.strip()
    return metadata.version("jupyterhub")


def _engine_binaries(target: Path) -> None:
    """Copy the course engine's binaries, the docker CLI and its plugins into target."""
    target.mkdir(parents=True, exist_ok=True)
    if all((PREFIX / "bin" / name).exists() for name in ENGINE_BINARIES):
        for name in ENGINE_BINARIES:
            shutil.copy2(PREFIX / "bin" / name, target)
    else:
        _unpack_engine(target)
    _client_binaries(target)


def _unpack_engine(target: Path) -> None:
    """Fetch the engine packages as dockyard/provision.py does, where this host has no course engine."""
    sys.path.insert(0, str(REPO))
    from dockyard import provision

    say(f"{PREFIX} holds no engine; fetching the packages provision.py uses ...")
    with tempfile.TemporaryDirectory(prefix="dockyard-classroom-") as tmp:
        for suite in provision.SUITES:
            root = provision._unpack(Path(tmp, suite), suite, provision.ENGINE_DEBS)
            if provision._runs(root / "usr/sbin", root / "usr/bin"):
                for relative in provision.ENGINE_BINARIES:
                    if Path(relative).name in ENGINE_BINARIES:
                        shutil.copy2(root / relative, target)
                return
    raise SystemExit("no Debian suite's engine runs on this host; see dockyard/provision.py")


def _client_binaries(target: Path) -> None:
    docker = shutil.which("docker")
    if not docker:
        raise SystemExit("no docker CLI on this host; run `make setup` first")
    shutil.copy2(docker, target / "docker")
    for plugin in PLUGINS:
        source = PLUGIN_DIR / plugin
        if not source.exists():
            raise SystemExit(f"no {source}; run `make setup` first (it installs the CLI plugins)")
        shutil.copy2(source, target / plugin)


def _course_files(target: Path, paths: list[str] = COURSE_PATHS) -> None:
    """The files git tracks under paths, as they are in the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", *paths], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = REPO / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def _wheel(target: Path) -> None:
    """The course package as a wheel, built from the files git tracks (no build/ or egg-info left here)."""
    with tempfile.TemporaryDirectory(prefix="dockyard-classroom-") as tmp:
        _course_files(Path(tmp), PACKAGE_PATHS)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--wheel-dir", str(target), tmp], check=True)


def _base_python() -> tuple[int, ...]:
    """The Python of the learner Dockerfile's base image, as the engine has it."""
    base = re.search(r"^FROM (\S+)", (CLASSROOM / "learner/Dockerfile").read_text(), re.MULTILINE)[1]
    command = ["docker", "run", "--rm", "--label", LABEL, base, "python3", "-c",
               "import sys; print(*sys.version_info[:3])"]
    probe = subprocess.run(command, capture_output=True, text=True, check=True)
    return tuple(map(int, probe.stdout.split()))


def _pins(target: Path, version: str) -> None:
    """learner.txt: LEARNER_LOCK, hashed, less the pins the base image's Python is too old for;
    unpinned.txt: their names.

    pip-compile writes one requirement per block: `name==version \\` and its `--hash` lines."""
    blocks = re.split(r"\n(?=\S)", LEARNER_LOCK.read_text())
    pinned = {block.split("==")[0].strip().lower(): block.split("==")[1].split()[0]
              for block in blocks if "==" in block and not block.startswith("#")}
    if pinned.get("jupyterhub") != version:
        raise SystemExit(f"{LEARNER_LOCK.relative_to(REPO)} pins jupyterhub {pinned.get('jupyterhub')}, "
                         f"the hub runs {version}; a single-user server must match its hub: make lock")
    python = _base_python()
    unpinned = sorted(name for name, needs in UNPINNED_ON_OLD_PYTHON.items() if python < needs)
    kept = [block for block in blocks if block.split("==")[0].strip().lower() not in unpinned]
    target.mkdir(parents=True)
    (target / "learner.txt").write_text("\n".join(kept))
    (target / "unpinned.txt").write_text("".join(f"{name}\n" for name in unpinned))


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _build(tag: str, dockerfile: Path, context: Path, *args: str) -> float:
    started = time.monotonic()
    command = ["docker", "build", "--progress=plain", "--label", LABEL, "-t", tag,
               "-f", str(dockerfile), *args, str(context)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join(done.stderr.splitlines()[-25:])
        raise SystemExit(f"building {tag} failed:\n{tail}")
    return time.monotonic() - started


def build_engine() -> float:
    context = _fresh(CONTEXTS / "engine")
    _engine_binaries(context / "bin")
    shutil.copy2(CLASSROOM / "engine/entrypoint.sh", context)
    return _build(ENGINE_IMAGE, CLASSROOM / "engine/Dockerfile", context)


def build_learner() -> float:
    context = _fresh(CONTEXTS / "learner")
    (context / "bin").mkdir()
    _client_binaries(context / "bin")
    _course_files(context / "course")
    _wheel(context / "dist")
    _pins(context / "pins", hub_version())
    return _build(LEARNER_IMAGE, CLASSROOM / "learner/Dockerfile", context)


def main() -> dict[str, float]:
    timings = {}
    for name, build in ((ENGINE_IMAGE, build_engine), (LEARNER_IMAGE, build_learner)):
        say(f"building {name} ...")
        timings[name] = build()
        say(f"built {name} in {timings[name]:.0f} s")
    _remove_replaced()
    return timings


def _remove_replaced() -> None:
    """Remove the classroom's own images that a rebuild left without a tag."""
    command = ["docker", "images", "-q", "--filter", "dangling=true", "--filter", f"label={LABEL}"]
    listed = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    for image in dict.fromkeys(listed):
        subprocess.run(["docker", "rmi", image], capture_output=True)


if __name__ == "__main__":
    main()
