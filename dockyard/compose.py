"""Docker Compose from a lesson: Compose has no Python SDK, so run its CLI and show what it did."""

from __future__ import annotations

import atexit
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import docker

from dockyard import locks
from dockyard.errors import CourseError
from dockyard.names import claim
from dockyard.sample import SAMPLE_APP
from dockyard.scratch import ROOT
from dockyard.waiting import until

PROJECT = "dockyard-compose"
COMPOSE_FILE = SAMPLE_APP / "compose.yaml"
# Compose reports progress on stderr, one line per step: ` Container dockyard-compose-db-1  Healthy`
# (and ` Image dockyard-compose-web:latest  Removed` for `down --rmi`).
PROGRESS = re.compile(r'^\s*(Network|Volume|Container|Image)\s+"?([^"\s]+)"?\s+(\w+)\s*$')
WARNING = re.compile(r"^WARN\[\d+\]|level=warning", re.IGNORECASE)
BUILD_STEP = re.compile(r"^#\d+ ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class ComposeFailed(CourseError):
    """A `docker compose` command failed; the message is Compose's own, plus a hint where one helps."""


def command(*args: str, files: Sequence[Path] = (COMPOSE_FILE,), project: str = PROJECT) -> list[str]:
    """The command line for `docker compose -f FILE... -p dockyard-compose ARGS...`."""
    flags = [part for file in files for part in ("-f", str(file))]
    return ["docker", "compose", "--ansi", "never", *flags, "-p", project, *args]


def compose(*args: str, files: Sequence[Path] = (COMPOSE_FILE,), timeout: float = 300) -> None:
    """Run a Compose command for the course's project and print what it did.

    Prints the command's output, and of Compose's progress (where the steps of several services
    interleave differently on each run, and builds log their every step) only the last state of each
    container, network, volume and image, sorted, plus any warning.
    """
    stdout, stderr = _run(args, files, timeout)
    for text in (stdout.rstrip("\n"), *summary(stderr)):
        if text:
            print(text)


def output(*args: str, files: Sequence[Path] = (COMPOSE_FILE,), timeout: float = 300) -> str:
    """Run a Compose command for the course's project and return its output, printing nothing."""
    return _run(args, files, timeout)[0]


# The whole output of the last Compose command a lesson ran, both streams in the order it wrote them
# (see whole_output).
_last_output = ""


def whole_output() -> str:
    """Everything the last Compose command printed, as a terminal that is not a TTY shows it (a script's,
    CI's): its output and its progress, one line per step and resource as each changes, in the order
    Compose wrote them, colour codes aside. `compose()` prints a summary of it; a lesson shows it whole
    once."""
    return _last_output


def _run(args: Sequence[str], files: Sequence[Path], timeout: float) -> tuple[str, str]:
    global _last_output
    line = command(*args, files=files)
    try:
        with locks.for_command(shlex.join(line)):  # `up` and `build` build, and take turns as lessons' do
            returncode, streams, merged = _capture(line, timeout)
    except FileNotFoundError:
        raise ComposeFailed("The docker CLI is not installed (or not on PATH): Compose cannot run.") from None
    except subprocess.TimeoutExpired:
        raise ComposeFailed(f"`docker compose {' '.join(args)}` took over {timeout:.0f} s.") from None
    _last_output = ANSI.sub("", merged)
    stdout, stderr = _without_build_steps(ANSI.sub("", streams[0])), ANSI.sub("", streams[1])
    if returncode != 0:
        raise ComposeFailed(_failure(args, stderr))
    return stdout, stderr


def _capture(line: list[str], timeout: float) -> tuple[int, tuple[str, str], str]:
    """Run the command; return its exit code, its stdout and stderr, and both as one text in the order
    their lines came (each stream is read line by line as it is written)."""
    process = subprocess.Popen(line, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    merged: list[str] = []
    streams: tuple[list[str], list[str]] = ([], [])
    guard = threading.Lock()

    def read(stream, into: list[str]) -> None:
        for text in stream:
            with guard:
                into.append(text)
                merged.append(text)

    readers = [threading.Thread(target=read, args=pair, daemon=True)
               for pair in zip((process.stdout, process.stderr), streams, strict=True)]
    for reader in readers:
        reader.start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        for reader in readers:
            reader.join()
    return returncode, ("".join(streams[0]), "".join(streams[1])), "".join(merged)


def _without_build_steps(text: str) -> str:
    """Drop BuildKit's numbered build log (`#8 [web 4/5] RUN pip ...`) and the blank lines around it."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not BUILD_STEP.match(line)]
    if len(kept) < len(lines):
        kept = [line for line in kept if line.strip()]
    return "".join(kept)


def summary(stderr: str) -> list[str]:
    """Each resource's last reported state, sorted, then Compose's warnings (without their timestamps)."""
    last, warnings = {}, []
    for text in stderr.splitlines():
        match = PROGRESS.match(text)
        if match:
            last[(match[1], match[2])] = match[3]
        elif WARNING.search(text):
            message = re.search(r'msg="(.*)"', text)
            warnings.append("warning: " + (message[1] if message else WARNING.sub("", text).strip()))
    width = max((len(f"{kind} {name}") for kind, name in last), default=0)
    rows = [f"{f'{kind} {name}':{width}}  {state}" for (kind, name), state in sorted(last.items())]
    return rows + warnings


def ps(files: Sequence[Path] = (COMPOSE_FILE,)) -> list[dict]:
    """`docker compose ps --all --format json`, parsed (Compose prints one object a line, or a list)."""
    text = output("ps", "--all", "--format", "json", files=files).strip()
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted(rows, key=lambda row: row["Name"])


def claim_project(client: docker.DockerClient) -> None:
    """Before the first `up`: stop if a resource of the learner's holds a name the project needs.

    Uses dockyard.claim, which removes nothing and refuses a name that any resource holds, so call it
    only when the project is not running (after the chapter's cleanup).
    """
    model = json.loads(output("config", "--format", "json"))
    for service, spec in model["services"].items():
        claim(client, "container", f"{PROJECT}-{service}-1")
        if "build" in spec:
            claim(client, "image", spec.get("image") or f"{PROJECT}-{service}")
    for network in model.get("networks", {}).values():
        claim(client, "network", network["name"])
    for volume in model.get("volumes", {}).values():
        claim(client, "volume", volume["name"])


def _failure(args: Sequence[str], stderr: str) -> str:
    lines = [text.strip() for text in stderr.splitlines() if text.strip() and not text.startswith("#")]
    message = "\n".join(lines[-5:]) or "(no message)"
    hint = ""
    if "is not a docker command" in stderr or "unknown shorthand flag: 'f'" in stderr:
        hint = ("\nThe Compose v2 plugin is missing. Docker Desktop includes it; on Linux install the "
                "docker-compose-plugin package (or run `python -m dockyard engine`).")
    return f"`docker compose {' '.join(args)}` failed:\n{message}{hint}"


# `docker compose watch` runs until it is stopped: a lesson starts it in the background, its output to a
# file, and stops it by the ID it wrote beside that file (also when an earlier run of the lesson failed).
WATCH_WORDS = ("compose", "watch")
WATCHING = "Watch enabled"
# How long a new watch waits for the process in Compose's project lock to be gone: a watch of the same
# project stopped a moment ago, or one that another run (a test beside this one) is still using.
LOCK_WAIT = 120
WATCH_LOG = ROOT / f"{PROJECT}" / "watch.log"  # in the Compose chapter's scratch folder


def watch(log: Path, *args: str, files: Sequence[Path] = (COMPOSE_FILE,), project: str = PROJECT,
          timeout: float = 60) -> subprocess.Popen:
    """Start `docker compose ... watch ARGS` in the background, as `... > LOG 2>&1 &` does in a shell,
    write its process ID to LOG with the suffix .pid, and return once it follows the files. It also
    stops when this Python process ends."""
    stop_watch(log)
    line = command("watch", *args, files=files, project=project)
    process, said = _start(line, log, timeout)
    # One watch a project: Compose refuses while the process in its lock file exists, and a watch stopped
    # a moment ago may not have been collected by its parent yet. Wait for that process, then try again.
    held = re.search(r"process with PID (\d+) is still running", said)
    if held is not None:
        pid = int(held[1])
        if "compose" in _command_line(pid):
            until(lambda: not _exists(pid), timeout=LOCK_WAIT, interval=0.2)
        else:
            _drop_stale_lock(project, pid)
        process, said = _start(line, log, timeout)
    if WATCHING not in said:
        raise ComposeFailed(f"`docker compose watch` did not say {WATCHING!r} within {timeout:.0f} s:\n"
                            + "\n".join(watch_log(log)[-5:]))
    return process


def lock_file(project: str) -> Path:
    """Compose's lock of a project's watch: a file in the Docker client's configuration folder that holds
    the watching process's ID."""
    config = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    return config / "docker-compose" / f"{project}.pid"


def _drop_stale_lock(project: str, pid: int) -> None:
    """Remove the lock a killed watch left, when the system has since given its process ID to a process
    that is not Compose: Compose only asks whether a process by that ID runs, and would refuse every
    watch of the project until that process ends (a thread of a long-lived program, say)."""
    lock = lock_file(project)
    if lock.exists() and lock.read_text().split()[:1] == [str(pid)]:
        lock.unlink()


def _start(line: list[str], log: Path, timeout: float) -> tuple[subprocess.Popen, str]:
    """Start the watch; return it, with what it printed once it follows the files (or gave up)."""
    with log.open("w") as out:
        process = subprocess.Popen(line, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   preexec_fn=_with_parent if _LINUX else None)
    log.with_suffix(".pid").write_text(f"{process.pid}\n")
    atexit.register(_end, process)
    # An edit made before Compose follows the files goes unnoticed: wait until it says it does.
    said = until(lambda: log.read_text(errors="replace"), timeout=timeout, interval=0.1,
                 done=lambda text: WATCHING in text, stop_if=lambda: process.poll() is not None)
    return process, said


def stop_watch(log: Path, timeout: float = 5) -> bool:
    """Stop the `docker compose watch` whose ID sits beside LOG (LOG with the suffix .pid), as `kill`
    does, if it still runs; True when there was one to stop. A process by that ID that is not a
    `docker compose watch` (the ID was reused) is left alone."""
    pid_file = log.with_suffix(".pid")
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    pid_file.unlink(missing_ok=True)
    if not all(word in _command_line(pid) for word in WATCH_WORDS):
        return False
    # `docker` runs Compose as a plugin, a process of its own: stop the plugin, which `docker` collects
    # before it ends, then `docker` itself. (Stopped first, `docker` may end before the plugin does, and
    # a plugin left without its parent counts as running in Compose's lock until the system collects it.)
    # A plugin busy with a build may take its time: after `timeout` seconds it is killed.
    for child in [*_children(pid), pid]:
        for sent in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(child, sent)
            except ProcessLookupError:
                break
            if until(lambda: _reaped(pid) or not _command_line(pid), timeout=timeout, interval=0.05):
                break
    return True


def _children(pid: int) -> list[int]:
    """The IDs of a process's children."""
    listed = subprocess.run(["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [line.split() for line in listed.splitlines()]
    return [int(pair[0]) for pair in pairs if len(pair) == 2 and pair[1] == str(pid)]


def _reaped(pid: int) -> bool:
    """Collect the exit status of a child of this process that has ended (Compose counts a process that
    has ended but not been collected as running, and refuses a second watch of the project)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:  # not a child of this process: its own parent collects it
        return False


def watch_log(log: Path) -> list[str]:
    """What `docker compose watch` printed so far, a line each, without blank lines or colour codes."""
    text = ANSI.sub("", log.read_text(errors="replace")) if log.exists() else ""
    # Compose ends some lines without a newline (`service(s) ["web"] restarted`) and starts the next
    # message straight after: split those apart as a terminal would show them after the next line.
    text = re.sub(r'(restarted)(?=\S)', r"\1\n", text)
    return [line.rstrip() for line in text.splitlines() if line.strip() and not BUILD_STEP.match(line)]


def rebuilt(client: docker.DockerClient, service: str, edit: Callable[[], object], timeout: float = 300):
    """Make `edit()`, a change a watch rule answers with a rebuild, and wait until the service runs a new
    container: what `docker compose watch` does then is build the image, then replace the container.
    Returns (the container before, the new one). Meanwhile the watch's build takes its turn with the
    course's other builds (the build lock, as `compose("up")` takes it)."""
    made = {"label": [f"com.docker.compose.project={PROJECT}", f"com.docker.compose.service={service}"]}
    with locks.builds():
        before = client.containers.list(filters=made)[0]
        edit()

        def new():
            return next((c for c in client.containers.list(filters=made) if c.id != before.id), None)

        after = until(new, timeout=timeout, interval=0.2,
                      error=f"No new {service} container was running within {timeout:.0f} s of the edit.")
    return before, after


def wait_restarted(container, times: int = 1, timeout: float = 30):
    """Wait until the engine restarted the container (its restart policy) `times` times and it runs."""
    def state():
        container.reload()
        return container.attrs["RestartCount"], container.status

    return until(state, timeout=timeout, interval=0.1,
                 done=lambda now: now[0] >= times and now[1] == "running",
                 error=f"{container.name} was not restarted and running within {timeout:.0f} s.")


_LINUX = sys.platform.startswith("linux")


def _with_parent() -> None:
    """In the child, before it runs Compose (Linux): be sent SIGTERM when the parent process dies."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()


def _exists(pid: int) -> bool:
    """Whether a process by that ID exists, one that has ended but not been collected included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _command_line(pid: int) -> str:
    """The command line of a running process ('' when none runs by that ID, or it has ended and waits
    only for its parent to collect its exit status)."""
    if not _exists(pid):
        return ""
    # -ww: the whole line (without it ps cuts it to the terminal's width, or 80 columns, often before
    # the `watch` of a long `-f` path).
    done = subprocess.run(["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True)
    return "" if "<defunct>" in done.stdout else done.stdout.strip()
