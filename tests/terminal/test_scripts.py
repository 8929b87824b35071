"""The terminal track: each chapter's command lines, run as a bash script, must pass, keep the safety
rules and tidy up.

Scripts run beside other tests (pytest-xdist), so each script answers only for its own chapter's
label: what it leaves, and the containers it starts; and it holds its chapter's lock, so no other test
runs the same chapter, with the same labels and names, at the same time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard import listing, locks, terminal
from dockyard.catchup import first_cell
from dockyard.shell import REPO
from tests.support import dockerwrap, safety

CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))


def _left(client, chapter: str) -> list[str]:
    return [name for _, name, _ in listing.course(client, chapter).entries(images="dangling")]


# each chapter goes to make test's workers as a unit of its own (tests/support/schedule.py)
@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_the_chapter_runs_in_a_terminal_and_leaves_nothing(notebook: Path, tmp_path, client, slowdown):
    chapter, _ = first_cell(notebook)
    script = tmp_path / f"{notebook.stem}.sh"
    # BuildKit's cache may answer the builds a page runs with --no-cache: that flag only keeps the page's
    # log whole whatever ran before, and the notebook's strict run proves those uncached builds; here it
    # would compile psycopg and install every package once more
    script.write_text(terminal.script(notebook).replace(" --no-cache ", " "))
    assert len(terminal.commands(notebook)) >= 3, "a chapter without command lines has no terminal track"
    # its builds take the build lock through the wrapping `docker` (tests/support/bin/docker), shared:
    # this test reads what the script leaves, not the steps its builds report
    env = dockerwrap.script_env({**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
                                shared=True)
    with locks.chapter(chapter):
        recorder = safety.Recorder(client, chapter)
        try:
            done = subprocess.run(["bash", "-eu", str(script)], cwd=REPO, env=env, capture_output=True,
                                  text=True, timeout=900 * slowdown)  # a bound on a hang; emulation is slower
        finally:
            recorder.stop()
        left = _left(client, chapter)
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
    assert done.returncode == 0, f"{script.name} failed (exit {done.returncode}):\n{tail}"
    assert left == [], f"{script.name} left {left}"
    assert recorder.findings == {}, f"{script.name} started containers that break the safety rules"
    assert recorder.seen, f"the recorder saw no container of {chapter!r} start"
