"""A watch starts although a killed watch's lock names a process ID that another program now has."""

import subprocess
import threading

import yaml

import dockyard
from dockyard.compose import command, lock_file, stop_watch, watch


def test_a_watch_starts_over_a_stale_lock_whose_id_a_thread_now_has(client, unique, tmp_path):
    (tmp_path / "src").mkdir()
    file = tmp_path / "compose.yaml"
    file.write_text(yaml.safe_dump({"services": {"box": {
        "image": "debian:bookworm-slim", "command": ["sleep", "infinity"], "init": True,
        "labels": dockyard.labels(unique),
        "develop": {"watch": [{"action": "sync", "path": "./src", "target": "/src"}]}}}}))
    subprocess.run(command("up", "-d", files=[file], project=unique), check=True, capture_output=True)
    # What the CI run met: a watch killed with SIGKILL left its lock, and a thread of a program still
    # running got the same ID; Compose only asks whether a process by that ID exists.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    lock = lock_file(unique)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(str(thread.native_id))
    log = tmp_path / "watch.log"
    try:
        process = watch(log, "--no-up", files=[file], project=unique, timeout=30)
        assert process.poll() is None and "Watch enabled" in log.read_text()
        assert lock.read_text().split() != [str(thread.native_id)]  # the new watch holds the lock now
    finally:
        stop.set()
        thread.join()
        stop_watch(log)
        subprocess.run(command("down", "--timeout", "0", files=[file], project=unique), capture_output=True)
        lock.unlink(missing_ok=True)
        dockyard.cleanup(client, unique)
