"""A second dockerd beside the main one: its own data root, exec root, socket, pidfile and config.

It runs from the binaries of any prefix laid out as dockyard.provision lays out /opt/dockyard-engine,
so the same code can rehearse with another engine version as well.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from dockyard import provision
from dockyard.waiting import until

DATA_ROOT = Path("/var/lib/dockyard-rehearsal")
RUN_DIR = Path("/run/dockyard-rehearsal")
LOG = Path("/var/log/dockyard-rehearsal-dockerd.log")
START_TIMEOUT, STOP_TIMEOUT = 60, 60


def say(message: str) -> None:
    print(f"[engine] {message}", flush=True)


@dataclass
class Engine:
    prefix: Path = provision.PREFIX
    data_root: Path = DATA_ROOT
    run_dir: Path = RUN_DIR
    made: list[Path] = field(default_factory=list)
    process: subprocess.Popen | None = None
    # "overlay2": the classic image store; "containerd": the containerd image store, the default of
    # Docker Desktop (4.34 and later) and of Engine 29 on new installs, behind a feature flag in 28
    store: str = "overlay2"

    @property
    def exec_root(self) -> Path:
        return self.run_dir / "exec"

    @property
    def socket(self) -> Path:
        return self.run_dir / "docker.sock"

    @property
    def pidfile(self) -> Path:
        return self.run_dir / "docker.pid"

    @property
    def config(self) -> Path:
        return self.run_dir / "daemon.json"

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def command(self) -> list[str]:
        """dockerd with every path its own; an empty config file keeps the host's daemon.json out."""
        return [
            str(self.prefix / "bin/dockerd"),
            "--host", self.host,
            "--data-root", str(self.data_root),
            "--exec-root", str(self.exec_root),
            "--pidfile", str(self.pidfile),
            "--config-file", str(self.config),
            "--init-path", str(self.prefix / "bin/docker-init"),
        ]

    def daemon_config(self) -> dict:
        """The engine's daemon.json: empty (the host's stays out), or the containerd image store turned on."""
        return provision.CONTAINERD_STORE if self.store == "containerd" else {}

    def environment(self) -> dict[str, str]:
        # containerd, its shim and docker-proxy come from the prefix; runc is the host's.
        return {**os.environ, "PATH": f"{self.prefix / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"}

    def start(self, wrap: list[str]) -> None:
        """Start dockerd under `wrap` (the network namespace's nsenter) and wait until it answers."""
        for folder in (self.data_root, self.run_dir):
            if not folder.exists():
                self.made.append(folder)
            folder.mkdir(parents=True, exist_ok=True)
        if self.pid() is not None:
            raise RuntimeError(f"{self.pidfile} exists: is another rehearsal engine running?")
        self.config.write_text(json.dumps(self.daemon_config()) + "\n")
        say(f"starting {self.command()[0]} on {self.host} (log: {LOG})")
        with LOG.open("ab") as log:
            self.process = subprocess.Popen([*wrap, *self.command()], stdout=log, stderr=log,
                                            env=self.environment(), start_new_session=True, cwd="/")
        self._wait_until_it_answers()
        self._check_own_containerd()

    def docker(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "--host", self.host, *args], **kwargs)

    def _wait_until_it_answers(self) -> None:
        until(lambda: self.docker("info", capture_output=True).returncode == 0, timeout=START_TIMEOUT,
              interval=1, error=f"the rehearsal engine did not answer within {START_TIMEOUT} s; see {LOG}")

    def _check_own_containerd(self) -> None:
        """dockerd must have started a containerd of its own under its exec root, not joined the main one."""
        sock = self.exec_root / "containerd/containerd.sock"
        own = [line for line in _processes() if "containerd --config" in line and str(self.exec_root) in line]
        if not sock.exists() or not own:
            raise RuntimeError(f"the rehearsal engine has no containerd of its own under {self.exec_root}")
        say(f"its containerd: {own[0].strip()}")

    def pid(self) -> int | None:
        """The ID of the dockerd that wrote the pidfile, if it still runs. A pidfile left by an engine that
        did not stop (the machine restarted) is removed: its ID may now be another process's."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            line = []
        if not line or not line[0].endswith("dockerd") or str(self.pidfile) not in line:
            say(f"removing {self.pidfile}: no dockerd of this rehearsal runs as pid {pid}")
            self.pidfile.unlink(missing_ok=True)
            return None
        return pid

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        say(f"stopping dockerd (pid {pid})")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        if self.process is not None and self.process.pid == pid:
            self.process.wait(STOP_TIMEOUT)  # started here: reap it, or it lingers as a zombie
            return
        until(lambda: not Path(f"/proc/{pid}").exists(), timeout=STOP_TIMEOUT, interval=0.5,
              error=f"dockerd (pid {pid}) did not stop within {STOP_TIMEOUT} s")

    def remove_state(self, keep_data: bool = False) -> None:
        """Remove the roots this run made (not those that were there before it started), never with
        anything still mounted under them. keep_data keeps the data root: its images serve a next run."""
        for folder in self.made:
            if keep_data and folder == self.data_root:
                say(f"kept {folder}")
                continue
            mounted = mounts_under(folder)
            if mounted:
                raise RuntimeError(f"not removing {folder}: still mounted there: {', '.join(mounted[:3])}")
            shutil.rmtree(folder, ignore_errors=True)
            say(f"removed {folder}")


def _processes() -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return listing.stdout.splitlines()


def mounts_under(folder: Path) -> list[str]:
    points = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    return [point for point in points if point == str(folder) or point.startswith(f"{folder}/")]
