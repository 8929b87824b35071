"""`python -m dockyard doctor`: checks that really exercise this machine's Docker engine, one row each.

Each check is PASS, WARN or FAIL with one line of detail and, unless it passed, one line saying what to
do. Checks that need an engine are skipped, not failed a second time, when none answers. The whole run
is bounded: the engine gets a few seconds to answer, so a stopped one is reported, never waited for.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import docker
import requests
from docker.errors import APIError, ContainerError, DockerException, ImageNotFound
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from rich.table import Table

from dockyard import disk, images, inventory, web
from dockyard.engine import version_numbers
from dockyard.labels import labels
from dockyard.ports import LOOPBACK, host_port
from dockyard.shell import REPO
from dockyard.stores import uses_containerd
from dockyard.waiting import until

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
ANSWER_TIMEOUT = 5  # seconds the engine gets to answer at all
WORK_TIMEOUT = 60  # seconds for one call that runs a container
MIN_ENGINE, GOOD_ENGINE = (25, 0), (28, 0)  # health checks' --start-interval; 127.0.0.1 kept private
MIN_COMPOSE = (2, 24, 4)  # compose.prod.yaml's !override
# Host ports the course asks for by number. Containers get free ports Docker picks, so only JupyterLab's
# default is fixed, and JupyterLab moves to the next free port when it is taken.
COURSE_PORTS = {8888: "JupyterLab (make lab)"}
HTTP_IMAGE = "python:3.11-slim"
CHAPTER = "doctor"


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


def run(extra_ports: list[int] | None = None) -> list[Check]:
    """Every check, in the order a room's problems are best solved."""
    found: list[Check] = []
    client, engine_check = connect()
    found.append(engine_check)
    if client is None:
        skipped = "needs an engine that answers (first row)"
        found += [Check(name, SKIP, skipped) for name in
                  ("a container runs", "a published port answers", "disk for images", "course images")]
    else:
        found += engine_checks(client)
    found += [compose(), buildkit(), architecture(client), proxy(client)]
    found += ports(extra_ports or [])
    found += [python(), packages()]
    if client is not None:
        client.close()
    return found


def ok(checks: list[Check]) -> bool:
    return not any(check.status == FAIL for check in checks)


def as_json(checks: list[Check]) -> dict:
    return {"ok": ok(checks), "checks": [asdict(check) for check in checks]}


STYLE = {PASS: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim"}


def table(checks: list[Check]) -> Table:
    """The checks as rows: status in words (not colour alone), what was found, what to do."""
    counts = {status: sum(c.status == status for c in checks) for status in (PASS, WARN, FAIL, SKIP)}
    title = ", ".join(f"{number} {status}" for status, number in counts.items() if number)
    view = Table(title=f"Dockyard doctor: {title}")
    view.add_column("", no_wrap=True)
    view.add_column("check", no_wrap=True)
    view.add_column("found", ratio=3)
    view.add_column("fix", ratio=2)
    for check in checks:
        view.add_row(f"[{STYLE[check.status]}]{check.status.upper()}[/]", check.name, check.detail, check.fix)
    return view


# -- the engine ---------------------------------------------------------------------------------------

def connect() -> tuple[docker.DockerClient | None, Check]:
    target = os.environ.get("DOCKER_HOST") or "the default socket"
    try:
        quick = docker.from_env(timeout=ANSWER_TIMEOUT)
        quick.ping()
        version, info = quick.version(), quick.info()
        quick.close()
    except (DockerException, OSError) as error:
        reason = _reason(error)
        return None, Check("engine answers", FAIL, f"no engine answers at {target}: {reason}",
                           _start_engine_fix(reason))
    client = docker.from_env(timeout=WORK_TIMEOUT)
    return client, engine_identity(version, info)


def engine_identity(version: dict, info: dict) -> Check:
    components = " ".join(c.get("Name", "") for c in version.get("Components") or [])
    system = info.get("OperatingSystem", "")
    kind = ("Docker Desktop" if "Docker Desktop" in system else
            "Podman" if "Podman" in components else "Docker Engine")
    store = image_store(info)
    number = version.get("Version", "?")
    detail = f"{kind} {number}, API {version.get('ApiVersion', '?')}, {system}, image store: {store}"
    release = version_numbers(number)[:2]
    if release < MIN_ENGINE:
        return Check("engine answers", FAIL, detail, "the course needs Engine 25 or newer (health checks "
                     "with --start-interval): update Docker Desktop or Docker Engine")
    if release < GOOD_ENGINE:
        return Check("engine answers", WARN, detail, "Engine 28 or newer keeps 127.0.0.1 ports private to "
                     "this machine; update when you can")
    return Check("engine answers", PASS, detail)


def image_store(info: dict) -> str:
    if uses_containerd(info):
        return f"containerd ({info.get('Driver', '?')})"
    return f"{info.get('Driver', '?')} (classic)"


def engine_checks(client: docker.DockerClient) -> list[Check]:
    states = inventory.manifest_states(client)
    free, run_check = runs_a_container(client)
    return [run_check, answers_http(client), disk_room(client, free, states), *image_rows(client, states)]


def runs_a_container(client: docker.DockerClient) -> tuple[int | None, Check]:
    name = "a container runs"
    probe = disk.probe_image(client)
    if probe is None:
        return None, Check(name, FAIL, f"no image to run: none of {', '.join(disk.PROBES)} is here",
                           "python -m dockyard images prepare (or images load FOLDER from the room's bundle)")
    started = time.monotonic()
    try:
        free = disk.free_inside(client, probe)
    except ContainerError as error:
        return None, Check(name, FAIL, f"{probe} `df /` exited {error.exit_status}",
                           "the engine answers but its containers fail: restart Docker and read its log")
    except (APIError, DockerException, OSError) as error:
        return None, Check(name, FAIL, f"the engine could not run {probe}: {_first_line(error)}",
                           "the engine answers but cannot run containers: restart Docker and read its log "
                           "(Docker Desktop: Troubleshoot; Linux: journalctl -u docker)")
    return free, Check(name, PASS, f"{probe} ran and exited 0 in {time.monotonic() - started:.1f} s")


def answers_http(client: docker.DockerClient) -> Check:
    name = "a published port answers"
    try:
        client.images.get(HTTP_IMAGE)
    except ImageNotFound:
        return Check(name, FAIL, f"{HTTP_IMAGE} is missing, so no web server could be started",
                     f"python -m dockyard images prepare {HTTP_IMAGE}")
    started = time.monotonic()
    container = None
    try:
        container = client.containers.run(
            HTTP_IMAGE, ["python", "-m", "http.server", "--bind", "0.0.0.0", "8000"], detach=True,
            labels=labels(CHAPTER), ports={"8000/tcp": (LOOPBACK, None)}, working_dir="/tmp")
        port = host_port(container, "8000/tcp")
        status = _http_status(port, within=15)
    except (APIError, DockerException, LookupError) as error:
        return Check(name, FAIL, f"the engine could not publish a port: {_first_line(error)}",
                     "restart Docker; on Linux check that iptables works and docker-proxy is installed")
    finally:
        if container is not None:
            container.remove(force=True)
    if status is None:
        return Check(name, FAIL, f"published on 127.0.0.1:{port}, but nothing answered there",
                     "WSL 2: run the course inside your WSL distro; elsewhere check firewall rules for "
                     "127.0.0.1 and restart Docker")
    return Check(name, PASS, f"HTTP {status} from a container at http://127.0.0.1:{port}/ "
                             f"in {time.monotonic() - started:.1f} s")


def _http_status(port: int, within: float) -> int | None:
    def status() -> int | None:
        try:
            return web.get(f"http://{LOOPBACK}:{port}/").status_code
        except requests.RequestException:
            return None

    return until(status, timeout=within, interval=0.1, done=lambda code: code is not None)


def disk_room(client: docker.DockerClient, free: int | None, states: list[inventory.ImageState]) -> Check:
    name = "disk for images"
    missing = sum(disk.OFFICIAL_SIZE.get(s.name, disk.UNKNOWN_SIZE) for s in states if not s.present)
    if free is None:
        return Check(name, WARN, "not measured (no container ran)", "see the rows above")
    need = missing + disk.BUILD_ROOM
    detail = (f"{inventory.human(free)} free on the engine's disk; the course wants about "
              f"{inventory.human(need)} ({inventory.human(missing)} for missing images, "
              f"{inventory.human(disk.BUILD_ROOM)} for its builds)")
    fix = "docker system df shows what takes room; docker builder prune empties the build cache"
    if free < missing + disk.MINIMUM_ROOM:
        return Check(name, FAIL, detail, fix)
    if free < need:
        return Check(name, WARN, detail, fix + (" (Docker Desktop: raise the disk limit in Settings, "
                                                "Resources)" if "Desktop" in _system(client) else ""))
    return Check(name, PASS, detail)


def image_rows(client: docker.DockerClient, states: list[inventory.ImageState]) -> list[Check]:
    engine = inventory.engine_arch(client)
    rows = []
    for image in states:
        name = f"image {image.name}"
        if not image.present:
            rows.append(Check(name, FAIL, "missing", "python -m dockyard images prepare (or images load "
                                                     "FOLDER from the room's bundle)"))
            continue
        detail = f"{image.origin}, {image.arch}, {inventory.human(image.size)}"
        if inventory.docker_arch(image.arch) != engine:
            rows.append(Check(name, WARN, f"{detail}; the engine is {engine}",
                              f"it runs under emulation, slowly or not at all: docker rmi {image.name}, "
                              f"then python -m dockyard images prepare {image.name}"))
        else:
            rows.append(Check(name, PASS, detail))
    return rows


# -- the client side ----------------------------------------------------------------------------------

def _docker_cli(*args: str) -> subprocess.CompletedProcess | None:
    if not shutil.which("docker"):
        return None
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None


def compose() -> Check:
    name = "Compose v2"
    done = _docker_cli("compose", "version", "--short")
    if done is None or done.returncode != 0:
        v1 = " (found the old docker-compose v1, which the course cannot use)" if shutil.which(
            "docker-compose") else ""
        return Check(name, FAIL, f"`docker compose` does not run{v1}",
                     "install Docker's Compose v2 plugin (Docker Desktop has it; Linux: "
                     "docker-compose-plugin)")
    version = done.stdout.strip()
    if version_numbers(version)[:3] < MIN_COMPOSE:
        return Check(name, WARN, f"Compose {version}", "Compose 2.24.4 or newer reads the Production "
                                                      "chapter's compose.prod.yaml; update it")
    return Check(name, PASS, f"Compose {version}")


def buildkit() -> Check:
    name = "BuildKit (buildx)"
    done = _docker_cli("buildx", "version")
    if done is None or done.returncode != 0:
        return Check(name, FAIL, "`docker buildx` does not run",
                     "install Docker's buildx plugin (Docker Desktop has it; Linux: docker-buildx-plugin)")
    detail = " ".join(done.stdout.split()[:2])
    if os.environ.get("DOCKER_BUILDKIT") == "0":
        return Check(name, WARN, f"{detail}, but DOCKER_BUILDKIT=0 turns it off", "unset DOCKER_BUILDKIT")
    return Check(name, PASS, detail)


def architecture(client: docker.DockerClient | None) -> Check:
    name = "CPU architecture"
    host = inventory.host_arch()
    if client is None:
        return Check(name, PASS, f"this machine: {host} (the engine's is not known: no engine answers)")
    engine = inventory.engine_arch(client)
    if engine != host:
        return Check(name, WARN, f"this machine: {host}, the engine: {engine}",
                     "Python runs under emulation (Rosetta?) or the engine is elsewhere; use a native "
                     "Python and a local engine")
    requested = images.requested_platform()
    if requested and inventory.docker_arch(images.platform_arch(requested)) != engine:
        return Check(name, WARN, f"{engine}, but DOCKER_DEFAULT_PLATFORM={requested}: builds and runs are "
                     "emulated", "unset DOCKER_DEFAULT_PLATFORM unless you mean to use that platform")
    return Check(name, PASS, f"{engine}, the same for this machine and the engine")


def proxy(client: docker.DockerClient | None) -> Check:
    name = "proxy"
    here = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or ""
    engine = client.info().get("HttpsProxy", "") if client is not None else ""
    if not here and not engine:
        return Check(name, PASS, "none set (if your network intercepts TLS, see the instructor guide)")
    detail = f"this shell: {here or 'none'}; the engine: {engine or 'none'}"
    if here and not engine and client is not None:
        return Check(name, WARN, detail, "give the engine the same proxy (Docker Desktop: Settings, "
                                         "Resources, Proxies; Linux: a systemd drop-in for docker.service)")
    return Check(name, PASS, detail)


def ports(extra: list[int]) -> list[Check]:
    rows = []
    wanted = {**COURSE_PORTS, **{port: "asked for with --port" for port in extra}}
    for port, use in wanted.items():
        name = f"port {port}"
        if not _listening(port):
            rows.append(Check(name, PASS, f"free on 127.0.0.1 ({use})"))
        elif port in COURSE_PORTS and port not in extra:
            rows.append(Check(name, WARN, f"in use ({use}); JupyterLab will take the next free port",
                              f"see what holds it: lsof -i :{port} (Windows: netstat -ano | findstr {port})"))
        else:
            rows.append(Check(name, FAIL, f"in use on 127.0.0.1 ({use})",
                              f"stop what holds it: lsof -i :{port} (or docker ps --filter publish={port})"))
    return rows


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((LOOPBACK, port)) == 0


def python_floor() -> SpecifierSet:
    """The Pythons the course supports: its distribution's Requires-Python (from pyproject.toml), read
    from the installed package's metadata, or from pyproject.toml itself where the package is not
    installed (dockyard/ on the path)."""
    try:
        wanted = metadata.metadata("dockyard")["Requires-Python"]
    except metadata.PackageNotFoundError:
        wanted = re.search(r'^requires-python\s*=\s*"([^"]+)"', (REPO / "pyproject.toml").read_text(),
                           re.MULTILINE).group(1)
    return SpecifierSet(wanted)


def python() -> Check:
    found = ".".join(map(str, sys.version_info[:3]))
    wanted = python_floor()
    if found not in wanted:
        return Check("Python", FAIL, f"Python {found} at {sys.executable}",
                     f"the course needs Python {wanted}: install one, then make setup")
    return Check("Python", PASS, f"Python {found} at {sys.executable}")


def _requirement_lines(requirements: Path) -> list[str]:
    """The file's requirement lines with continuations joined and comments and --hash options dropped."""
    text = re.sub(r"\\\n", " ", requirements.read_text())
    lines = (re.sub(r"\s--hash=\S+", "", line.split(" #", 1)[0]).strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pins(requirements: Path = REPO / "requirements.txt") -> dict[str, str]:
    """name -> version of every `name==version` line that applies here, following `-r other.txt`; hashed
    locks as pip-compile writes them included."""
    found = {}
    for line in _requirement_lines(requirements):
        if line.startswith("-r "):
            found.update(pins(requirements.parent / line[3:].strip()))
        elif not line.startswith("-"):
            wanted = Requirement(line)
            pinned = [spec.version for spec in wanted.specifier if spec.operator == "=="]
            if pinned and (wanted.marker is None or wanted.marker.evaluate()):
                found[wanted.name] = pinned[0]
    return found


def packages() -> Check:
    name = "pinned packages"
    lock = REPO / "requirements.txt"
    if not lock.exists():  # an installed course without its checkout, as in a classroom learner's server
        return Check(name, SKIP, f"no {lock} to compare with")
    missing, other = [], []
    wanted = pins(lock)
    for package, version in wanted.items():
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            missing.append(package)
            continue
        if installed != version:
            other.append(f"{package} {installed} (pinned {version})")
    fix = "make setup (or: .venv/bin/pip install --require-hashes -r requirements.txt)"
    if missing:
        return Check(name, FAIL, f"{len(missing)} of {len(wanted)} missing: {', '.join(missing[:5])}"
                                 f"{' ...' if len(missing) > 5 else ''}", fix)
    if other:
        return Check(name, WARN, f"{len(other)} of {len(wanted)} at another version: {', '.join(other[:3])}"
                                 f"{' ...' if len(other) > 3 else ''}", fix)
    return Check(name, PASS, f"all {len(wanted)} from requirements.txt, at their pins")


# -- helpers ------------------------------------------------------------------------------------------

def _system(client: docker.DockerClient) -> str:
    return client.info().get("OperatingSystem", "")


def _first_line(error: Exception) -> str:
    text = str(error).strip() or error.__class__.__name__
    return text.splitlines()[0][:200]


def _reason(error: Exception) -> str:
    """The cause at the end of the SDK's chain of wrapped errors: 'Connection refused', ..."""
    text = str(error).replace("Error while fetching server API version: ", "")
    cause = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text) or re.search(r"\w+Error\(\d+, '([^']+)'", text)
    return cause.group(1).strip() if cause else _first_line(Exception(text))


def _start_engine_fix(reason: str) -> str:
    if "Permission denied" in reason:
        return "your user may not use the engine: sudo usermod -aG docker $USER, then log in again"
    if os.environ.get("DOCKER_HOST"):
        return (f"start the engine that DOCKER_HOST={os.environ['DOCKER_HOST']} names, or unset DOCKER_HOST "
                "to use the default socket")
    context = _docker_cli("context", "inspect", "--format", "{{.Endpoints.docker.Host}}")
    host = context.stdout.strip() if context is not None and context.returncode == 0 else ""
    if host and host != "unix:///var/run/docker.sock":
        return f"your docker CLI uses {host}: export DOCKER_HOST={host}"
    if platform.system() == "Darwin" or "microsoft" in platform.release().lower():
        return "start Docker Desktop and wait until it says it is running, then docker info"
    return "start the engine (sudo systemctl start docker, or make test as root), then docker info"
