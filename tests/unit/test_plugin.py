import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_engine_each_notebook_fails_once_with_the_message():
    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "--nbval", "chapters", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert f"{len(notebooks)} failed" in result.stdout.splitlines()[-1]
    assert result.stdout.count("Dockyard could not reach a Docker engine") >= len(notebooks)
    assert "Traceback" not in result.stdout
