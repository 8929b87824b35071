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
    command = [sys.executable, "-m", "pytest", "--nbval", "chapters", "-q", "-rN", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert f"{len(notebooks)} failed" in result.stdout.splitlines()[-1]
    assert result.stdout.count("Dockyard could not reach a Docker engine") == len(notebooks), "once each"
    assert "Traceback" not in result.stdout


def test_a_run_removes_the_progress_folder_it_made(tmp_path):
    (tmp_path / "test_progress.py").write_text(
        "import os, pathlib\n"
        "def test_it():\n"
        "    pathlib.Path(os.environ['DOCKYARD_PROGRESS']).write_text('{}')\n"
        f"    pathlib.Path({str(tmp_path / 'seen')!r}).write_text(os.environ['DOCKYARD_PROGRESS'])\n")
    env = {key: value for key, value in os.environ.items() if key != "DOCKYARD_PROGRESS"}
    env["PYTHONPATH"] = str(ROOT)  # the plugin lives in this checkout's tests/, not in the venv
    command = [sys.executable, "-m", "pytest", "-q", "-p", "tests.support.plugin", "-p", "no:cacheprovider",
               "-c", os.devnull, str(tmp_path / "test_progress.py")]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    progress = Path((tmp_path / "seen").read_text())
    assert progress.name == "progress.json" and progress.parent.name.startswith("dockyard-progress-")
    assert not progress.parent.exists(), f"{progress.parent} is left behind"


def test_the_notebooks_that_take_turns_are_those_that_build_the_sample_app_uncached():
    from dockyard import terminal
    from tests.support import plugin

    def uncached_sample_build(command: str) -> bool:
        words = command.split()
        return words[:2] == ["docker", "build"] and "--no-cache" in words and words[-1] == "sample-app" \
            and "-f" not in words

    notebooks = sorted([*(ROOT / "chapters").glob("*.ipynb"), *(ROOT / "exercises").glob("*.ipynb")])
    found = [str(path.relative_to(ROOT)) for path in notebooks
             if any(uncached_sample_build(command) for command in terminal.commands(path))]
    assert tuple(found) == plugin.UNCACHED_SAMPLE_BUILDS
