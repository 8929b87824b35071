"""The classroom's smoke test: a JupyterHub with two learners, each with a private Docker engine.

    make classroom-test        (or: .venv/bin/python classroom/smoke.py)

1. Builds the two classroom images (classroom/build_images.py).
2. Starts the hub (classroom/jupyterhub_config.py) on 127.0.0.1 on free ports, with a shared password,
   two allowed learners and an admin token, its state in a temporary folder.
3. Spawns both learners' servers through the hub's REST API, one after the other, and times them.
4. In each learner's server, through the hub's proxy and the Jupyter server's REST and websocket API,
   with the learner's own token: opens chapters/01-why-containers.ipynb's kernel and runs the
   chapter's first code cells, then starts a labelled container in the learner's engine, and checks
   that bind mounts of a scratch folder in /tmp and of the course's files reach the same files.
   Then runs the same cells in every kernel at once, timed.
5. Asserts isolation both ways (with more learners, each against the next, in a ring): learner
   A's `docker ps -a` does not list B's container, A can neither inspect, stop nor remove it by name
   or ID, A's server has no Docker socket and reaches neither the host's engine nor B's engine or
   server, and A's token opens nothing of B's through the hub.
6. Measures memory (`docker stats --no-stream`) at idle and after the cells, spawn times, the cost
   of loading the course images into each engine, and the images' sizes.
7. Stops both servers and the hub, and asserts that no container, network or volume labelled
   `dockyard.chapter=classroom` remains (its two images stay, to speed up the next build).

The measurements are printed and written to classroom/.state/smoke-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import requests
import websocket

CLASSROOM = Path(__file__).resolve().parent
REPO = CLASSROOM.parent
sys.path.insert(0, str(CLASSROOM))
import build_images  # noqa: E402

HUB = CLASSROOM / ".venv/bin/jupyterhub"
LEARNERS = ("ada", "grace")
NOTEBOOK = "chapters/01-why-containers.ipynb"
FIRST_CELLS = 14  # objectives, connect, two Pythons, one kernel, two userlands, start-up time
CHAPTER_IMAGES = ["python:3.11-slim", "python:3.13-slim", "debian:bookworm-slim", "debian:trixie-slim"]
LABEL = "dockyard.chapter=classroom"
RESULTS = CLASSROOM / ".state/smoke-results.json"
SPAWN_TIMEOUT = 300
# The hub listens on this machine's loopback: no request to it may go to a proxy set in the environment
# (requests sends 127.0.0.1 to HTTP_PROXY unless NO_PROXY names it).
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
HTTP = requests.Session()
HTTP.trust_env = False


def until(probe, timeout: float, interval: float = 0.5):
    """The probe's first truthy result, or its last one after `timeout` seconds: dockyard.waiting.until
    cut down, since this program runs in classroom/.venv, where dockyard is not installed."""
    deadline = time.monotonic() + timeout
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(interval)
    return result
CELL_TIMEOUT = 180

results: dict = {"learners": {}}


def say(message: str) -> None:
    print(f"[classroom] {message}", flush=True)


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


class Hub:
    """The hub process and its REST API, as the admin service."""

    def __init__(self, state: Path, names: list[str]):
        self.state, self.names = state, names
        self.port = free_port("127.0.0.1")
        self.hub_port = free_port(gateway())
        self.token = secrets.token_hex(32)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = state / "hub.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DOCKYARD_CLASSROOM_STATE": str(self.state),
            "DOCKYARD_CLASSROOM_PORT": str(self.port),
            "DOCKYARD_CLASSROOM_HUB_PORT": str(self.hub_port),
            "DOCKYARD_CLASSROOM_PROXY_PORT": str(free_port("127.0.0.1")),
            "DOCKYARD_CLASSROOM_PASSWORD": secrets.token_urlsafe(16),
            "DOCKYARD_CLASSROOM_LEARNERS": ",".join(self.names),
            "DOCKYARD_CLASSROOM_IMAGES": ",".join(CHAPTER_IMAGES),
            "DOCKYARD_CLASSROOM_ADMIN_TOKEN": self.token,
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([str(HUB), "-f", str(CLASSROOM / "jupyterhub_config.py")],
                                            cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        if not until(self._answers, timeout=60):
            raise SystemExit(f"the hub did not answer within 60 s:\n{self.tail()}")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"the hub exited with {self.process.returncode}:\n{self.tail()}")
        try:
            return HTTP.get(f"{self.base}/hub/api/", timeout=2).ok
        except requests.ConnectionError:
            return False

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return HTTP.request(method, f"{self.base}/hub/api{path}", headers=headers, timeout=30, **kwargs)

    def spawn(self, name: str) -> float:
        started = time.monotonic()
        created = self.api("POST", f"/users/{name}")  # 409: the hub added its allowed users already
        assert created.status_code in (201, 409), created.text
        self.api("POST", f"/users/{name}/server").raise_for_status()
        if not until(lambda: self._ready(name), timeout=SPAWN_TIMEOUT):
            raise AssertionError(f"the server of {name} was not ready within {SPAWN_TIMEOUT} s")
        return time.monotonic() - started

    def _ready(self, name: str) -> bool:
        server = self.api("GET", f"/users/{name}").json()["servers"].get("", {})
        if not server.get("ready") and not server.get("pending"):
            raise AssertionError(f"the server of {name} failed to start:\n{self.tail()}")
        return bool(server.get("ready"))

    def user_token(self, name: str) -> str:
        reply = self.api("POST", f"/users/{name}/tokens", json={"note": "smoke test", "expires_in": 3600})
        reply.raise_for_status()
        return reply.json()["token"]

    def stop_server(self, name: str) -> float:
        started = time.monotonic()
        self.api("DELETE", f"/users/{name}/server").raise_for_status()
        if not until(lambda: "" not in self.api("GET", f"/users/{name}").json()["servers"], timeout=120):
            raise AssertionError(f"the server of {name} did not stop within 120 s")
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Kernel:
    """A notebook's kernel in a learner's server, reached through the hub's proxy with their token."""

    def __init__(self, hub: Hub, name: str, token: str):
        self.name, self.headers = name, {"Authorization": f"token {token}"}
        self.server = f"{hub.base}/user/{name}"
        session = HTTP.post(f"{self.server}/api/sessions", headers=self.headers, timeout=60, json={
            "path": NOTEBOOK, "type": "notebook", "name": Path(NOTEBOOK).name, "kernel": {"name": "python3"},
        })
        session.raise_for_status()
        self.kernel_id = session.json()["kernel"]["id"]
        self.session = uuid.uuid4().hex
        url = f"{self.server.replace('http', 'ws', 1)}/api/kernels/{self.kernel_id}/channels"
        self.ws = websocket.create_connection(f"{url}?session_id={self.session}", timeout=CELL_TIMEOUT,
                                              header=[f"{k}: {v}" for k, v in self.headers.items()],
                                              http_no_proxy=list(LOOPBACK_NAMES))

    def run(self, code: str) -> str:
        """Execute code; return what it printed. A failing cell raises with the kernel's traceback."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                       "username": self.name, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        printed, error, replied, idle = [], None, False, False
        while not (replied and idle):
            message = json.loads(self.ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                printed.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                error = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", line) for line in content["traceback"])
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        if error:
            raise AssertionError(f"a cell failed in {self.name}'s kernel:\n{error}")
        return "".join(printed)

    def close(self) -> None:
        self.ws.close()
        HTTP.delete(f"{self.server}/api/kernels/{self.kernel_id}", headers=self.headers, timeout=30)


def gateway() -> str:
    client = docker.from_env()
    try:
        return client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
    finally:
        client.close()


def first_code_cells() -> list[str]:
    cells = json.loads((REPO / NOTEBOOK).read_text())["cells"][:FIRST_CELLS]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def stats(client: docker.DockerClient, names: list[str]) -> dict[str, float]:
    """Memory in MiB of each container, from one `docker stats --no-stream`."""
    output = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *names],
                            capture_output=True, text=True, check=True).stdout
    usage = {}
    for line in output.splitlines():
        name, amount = line.split()[0], line.split()[1]
        number, unit = re.match(r"([\d.]+)([A-Za-z]+)", amount).groups()
        usage[name] = round(float(number) * {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit], 1)
    return usage


def classroom_leftovers(client: docker.DockerClient) -> list[str]:
    wanted = {"label": [LABEL]}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=wanted)]
            + [f"network {n.name}" for n in client.networks.list(filters=wanted)]
            + [f"volume {v.name}" for v in client.volumes.list(filters=wanted)])


def remove_leftovers(client: docker.DockerClient) -> None:
    """Remove classroom-labelled containers, networks and volumes (a failed earlier run's)."""
    wanted = {"label": [LABEL]}
    for container in client.containers.list(all=True, filters=wanted):
        container.remove(force=True, v=True)
    for network in client.networks.list(filters=wanted):
        network.remove()
    for volume in client.volumes.list(filters=wanted):
        volume.remove(force=True)


ISOLATION = r'''
import json, os, socket, subprocess
P = json.loads(PARAMS)

def docker_cli(*args):
    done = subprocess.run(["docker", *args], capture_output=True, text=True)
    return {"exit": done.returncode, "output": (done.stdout + done.stderr).strip()[-300:]}

def reaches(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False

ps = docker_cli("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}")["output"]
report = {
    "own_listed": P["own_name"] in ps,
    "other_listed": P["other_name"] in ps or P["other_id"] in ps,
    "attempts": {f"{verb} by {key}": docker_cli(*command, P[f"other_{key}"])
                 for verb, command in (("inspect", ["inspect"]), ("stop", ["stop"]), ("remove", ["rm", "-f"]))
                 for key in ("name", "id")},
    "docker_sock": os.path.exists("/var/run/docker.sock"),
    "host_socket_cli": docker_cli("-H", "unix:///var/run/docker.sock", "ps"),
    "host_engine_tcp": {f"{h}:{p}": reaches(h, p) for h in P["host_addresses"] for p in (2375, 2376)},
    "hub_api_tcp": reaches(P["hub_address"], P["hub_port"]),
    "other_engine_tcp": reaches(P["other_ip"], 2375),
    "other_server_tcp": reaches(P["other_ip"], 8888),
    "engine_id": docker_cli("info", "--format", "{{.ID}}")["output"],
}
print(json.dumps(report))
'''

START_OWN = '''
import docker
own = docker.from_env().containers.run(
    "debian:bookworm-slim", ["sleep", "600"], name={name!r}, detach=True, init=True,
    labels={{"dockyard.chapter": "classroom"}})
print(own.id)
'''


BIND_MOUNTS = '''
import pathlib
scratch = pathlib.Path("/tmp/dockyard-classroom")
scratch.mkdir(exist_ok=True)
(scratch / "note.txt").write_text("written in the notebook server")
mounts = {str(scratch): {"bind": "/scratch", "mode": "ro"},
          "/home/learner/dockyard/sample-app/db": {"bind": "/db", "mode": "ro"}}
seen = client.containers.run("debian:bookworm-slim", ["sh", "-c", "cat /scratch/note.txt; echo; ls /db"],
                             volumes=mounts, remove=True, labels={"dockyard.chapter": "classroom"})
print(seen.decode().strip())
'''


def check_isolation(kernel: Kernel, me: dict, other: dict, hub: Hub, host_id: str) -> dict:
    params = {"own_name": me["container"], "other_name": other["container"],
              "other_id": other["container_id"],
              "other_ip": other["ip"], "host_addresses": [gateway(), me["gateway"]],
              "hub_address": gateway(), "hub_port": hub.hub_port}
    report = json.loads(kernel.run(f"PARAMS = {json.dumps(params)!r}\n{ISOLATION}"))
    who = f"{me['name']} -> {other['name']}"
    assert report["own_listed"], f"{who}: the learner's own container is missing from docker ps -a"
    assert not report["other_listed"], f"{who}: docker ps -a lists the other learner's container"
    for attempt, outcome in report["attempts"].items():
        # `docker rm -f` exits 0 for a container it cannot find; its message still says so.
        failed = outcome["exit"] != 0 or attempt.startswith("remove")
        refused = failed and re.search(r"No such (container|object)", outcome["output"])
        assert refused, f"{who}: {attempt}: {outcome}"
    assert not report["docker_sock"], f"{who}: /var/run/docker.sock exists in the learner's server"
    assert report["host_socket_cli"]["exit"] != 0, f"{who}: the host's socket answered"
    assert not any(report["host_engine_tcp"].values()), f"{who}: a host engine port answered"
    assert report["hub_api_tcp"], f"{who}: the hub's API is unreachable, so the TCP probes prove nothing"
    assert not report["other_engine_tcp"], f"{who}: the other learner's engine answered"
    assert not report["other_server_tcp"], f"{who}: the other learner's server answered"
    assert report["engine_id"] not in (host_id, other["engine_id"]), f"{who}: not a private engine"
    denied = HTTP.get(f"{hub.base}/user/{other['name']}/api/kernels", headers=kernel.headers,
                          timeout=30, allow_redirects=False)
    assert denied.status_code in (302, 403, 404), f"{who}: the hub let a token into the other's server"
    report["hub_other_server_status"] = denied.status_code
    return report


def learner_state(client: docker.DockerClient, name: str) -> dict:
    engine = client.containers.get(f"dockyard-classroom-{name}-engine")
    server = client.containers.get(f"dockyard-classroom-{name}")
    network = engine.attrs["NetworkSettings"]["Networks"][f"dockyard-classroom-{name}"]
    assert engine.attrs["HostConfig"]["Privileged"], "the engine sidecar is not privileged"
    assert not server.attrs["HostConfig"]["Privileged"], "the notebook server is privileged"
    assert server.attrs["HostConfig"]["NetworkMode"] == f"container:{engine.id}"
    mounts = [m.get("Source", "") for c in (engine, server) for m in c.attrs["Mounts"]]
    assert not any("docker.sock" in source for source in mounts), f"a Docker socket is mounted: {mounts}"
    shared = {f"dockyard-classroom-{name}-home", f"dockyard-classroom-{name}-tmp"}
    mounted = {(m["Type"], m.get("Name")) for m in server.attrs["Mounts"]}
    assert mounted == {("volume", volume) for volume in shared}, f"the notebook server mounts {mounted}"
    return {"name": name, "ip": network["IPAddress"], "gateway": network["Gateway"],
            "engine": engine.name, "server": server.name}


def engine_volume_mib(client: docker.DockerClient, name: str) -> float:
    volume = client.volumes.get(f"dockyard-classroom-{name}-engine")
    used = subprocess.run(["du", "-sm", volume.attrs["Mountpoint"]], capture_output=True, text=True).stdout
    return float(used.split()[0]) if used else float("nan")


def spawn_timeline(log: str, name: str) -> dict[str, float]:
    """When the spawner said the learner's engine answered and held the course images."""
    timeline = {}
    for key, pattern in (("engine_ready_s", rf"Engine of {name} ready in ([\d.]+) s"),
                         ("images_loaded_s", rf"Engine of {name} holds the course images after ([\d.]+) s")):
        found = re.search(pattern, log)
        timeline[key] = float(found.group(1)) if found else None
    return timeline


def run_cells(kernel: Kernel) -> tuple[float, list[str]]:
    started = time.monotonic()
    printed = [kernel.run(code) for code in first_code_cells()]
    return round(time.monotonic() - started, 1), printed


def run(client: docker.DockerClient, hub: Hub, names: list[str]) -> None:
    host_id = client.info()["ID"]
    learners = {}
    for name in names:
        say(f"spawning {name}'s server and engine ...")
        spawn = hub.spawn(name)
        learners[name] = learner_state(client, name)
        learners[name]["spawn_s"] = round(spawn, 1)
        learners[name].update(spawn_timeline(hub.log.read_text(), name))
        say(f"{name}: ready in {spawn:.1f} s")
    saved = re.search(r"Saved .* in ([\d.]+) s", hub.log.read_text())
    results["course_images_save_s"] = float(saved.group(1)) if saved else None
    time.sleep(10)
    containers = [c for me in learners.values() for c in (me["engine"], me["server"])]
    results["memory_idle_mib"] = stats(client, containers)
    say(f"memory at idle (MiB): {results['memory_idle_mib']}")

    kernels = {}
    for name, me in learners.items():
        kernels[name] = Kernel(hub, name, hub.user_token(name))
        me["first_cells_s"], me["first_cells_output"] = run_cells(kernels[name])
        assert "Docker Engine" in me["first_cells_output"][0], me["first_cells_output"][0]
        say(f"{name}: the first {len(me['first_cells_output'])} code cells of {NOTEBOOK} ran in "
            f"{me['first_cells_s']} s")
        me["container"] = f"dockyard-classroom-smoke-{name}"
        me["container_id"] = kernels[name].run(START_OWN.format(name=me["container"])).strip()
        me["engine_id"] = kernels[name].run("print(client.info()['ID'])").strip()
        # Bind mounts of the learner's scratch folder and course files reach the same files in the engine.
        seen = kernels[name].run(BIND_MOUNTS)
        assert seen.splitlines()[0] == "written in the notebook server" and "init.sql" in seen, seen
        me["bind_mounts"] = seen
    results["memory_after_cells_mib"] = stats(client, containers)
    say(f"memory after the first cells (MiB): {results['memory_after_cells_mib']}")

    # The same cells in every learner's kernel at once, as when a class starts a chapter together.
    started = time.monotonic()
    with ThreadPoolExecutor(len(kernels)) as pool:
        together = dict(zip(kernels, pool.map(lambda k: run_cells(k)[0], kernels.values()), strict=True))
    results["together"] = {"learners": len(kernels), "wall_s": round(time.monotonic() - started, 1),
                           "each_s": together}
    results["memory_after_together_mib"] = stats(client, containers)
    say(f"the same cells in all {len(kernels)} kernels at once: {results['together']['wall_s']} s")

    ring = list(learners.values())
    for me, other in zip(ring, ring[1:] + ring[:1], strict=True):
        me["isolation"] = check_isolation(kernels[me["name"]], me, other, hub, host_id)
        say(f"isolation {me['name']} -> {other['name']}: holds")
    for me in learners.values():  # nothing another learner tried touched this one's container
        inspect = ["docker", "exec", me["engine"], "docker", "inspect", "-f", "{{.State.Running}}",
                   me["container"]]
        running = subprocess.run(inspect, capture_output=True, text=True, check=True).stdout.strip()
        assert running == "true", f"{me['name']}'s container stopped"
        me["engine_volume_mib"] = engine_volume_mib(client, me["name"])
    for kernel in kernels.values():
        kernel.close()
    for name in names:
        learners[name]["stop_s"] = round(hub.stop_server(name), 1)
        say(f"{name}: server and engine stopped in {learners[name]['stop_s']} s")
    results["learners"] = learners


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=len(LEARNERS),
                        help="how many learners to spawn (at least 2; the first two are ada and grace)")
    count = max(2, parser.parse_args().learners)
    names = [*LEARNERS, *(f"learner{n}" for n in range(len(LEARNERS) + 1, count + 1))][:count]
    started = time.monotonic()
    client = docker.from_env()
    missing = [name for name in CHAPTER_IMAGES if not client.images.list(name=name)]
    if missing:
        raise SystemExit(f"the host's engine lacks {', '.join(missing)}; run `make setup` first")
    remove_leftovers(client)
    results["build_s"] = {name: round(took, 1) for name, took in build_images.main().items()}
    results["image_mib"] = {name: round(client.images.get(name).attrs["Size"] / 2**20)
                            for name in (build_images.ENGINE_IMAGE, build_images.LEARNER_IMAGE)}
    state = Path(tempfile.mkdtemp(prefix="dockyard-classroom-"))
    hub = Hub(state, names)
    failed = True
    try:
        say(f"starting the hub on {hub.base} ...")
        hub.start()
        run(client, hub, names)
        archive = next((state / "images").glob("course-images-*.tar"))
        results["course_images_archive_mib"] = round(archive.stat().st_size / 2**20)
        failed = False
    finally:
        hub.stop()
        if failed:
            print(hub.tail(60), file=sys.stderr)
            remove_leftovers(client)
        left = classroom_leftovers(client)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        if hub.log.exists():
            shutil.copy(hub.log, RESULTS.with_name("hub.log"))
        shutil.rmtree(state, ignore_errors=True)
    assert not left, f"left behind: {left}"
    results["total_s"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2))
    say(f"passed in {results['total_s']:.0f} s; nothing labelled {LABEL} is left "
        f"(its images stay: {', '.join(results['image_mib'])}); measurements in {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
