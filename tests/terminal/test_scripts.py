"""The terminal track: each chapter's command lines, run as a bash script, must pass and tidy up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard import terminal
from dockyard.labels import selector
from dockyard.shell import REPO

CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_the_chapter_runs_in_a_terminal_and_leaves_nothing(notebook: Path, tmp_path, client):
    script = tmp_path / f"{notebook.stem}.sh"
    script.write_text(terminal.script(notebook))
    assert len(terminal.commands(notebook)) >= 3, "a chapter without command lines has no terminal track"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-eu", str(script)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
    assert done.returncode == 0, f"{script.name} failed (exit {done.returncode}):\n{tail}"
    ours = selector()
    left = ([c.name for c in client.containers.list(all=True, filters=ours)]
            + [n.name for n in client.networks.list(filters=ours)]
            + [v.name for v in client.volumes.list(filters=ours)]
            + [i.tags or i.short_id for i in client.images.list(filters={**ours, "dangling": True})])
    assert left == [], f"{script.name} left {left}"
