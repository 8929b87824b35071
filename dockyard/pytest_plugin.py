"""pytest plugin for the course's test run (enabled in pytest.ini).

- With no engine, every notebook fails once with the one clear message, fast, instead of starting a
  kernel and printing a traceback per cell.
- Before the notebooks run, it plants a learner's own unlabelled container, network, volume and image;
  tests/final checks they came through untouched, then they are removed.
- `--notebook-order reverse|shuffle` runs the notebooks in another order (a shuffle prints its seed,
  `--notebook-seed` repeats it); the cells of a notebook keep theirs.
- A census before and after every notebook: whatever labelled it leaves, or any dangling image of the
  course, fails its last cell. It is only reported: the next notebook's census compares with its own
  start, so one leftover fails one notebook, and nothing another run is using gets removed. (The census
  assumes one test run per engine; a second run at the same time shows up in it.)
- While notebooks run, the ports the course's apps listen on (5000, 8000, 5432, 6379) are taken on
  127.0.0.1, as a learner's own servers might take them: the chapters must let Docker pick.
- While notebooks run, a recorder follows the engine's container events and inspects each course
  container against the safety rules (dockyard/safety.py); tests/final reads what it found.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
from contextlib import closing
from pathlib import Path

import pytest

from dockyard import census, safety
from dockyard.engine import EngineUnavailable, connect
from dockyard.learner import LearnerResources

learner_key = pytest.StashKey[LearnerResources | None]()
recorder_key = pytest.StashKey[safety.Recorder | None]()
census_key = pytest.StashKey[dict]()
ports_key = pytest.StashKey[list]()
BUSY_PORTS = (5000, 8000, 5432, 6379)


def pytest_addoption(parser):
    group = parser.getgroup("dockyard")
    group.addoption("--notebook-order", choices=("file", "reverse", "shuffle"), default="file",
                    help="the order the notebooks run in; a notebook's cells keep theirs")
    group.addoption("--notebook-seed", type=int, default=None, help="the seed of --notebook-order shuffle")


def pytest_report_header(config):
    if config.getoption("notebook_order") == "shuffle":
        return f"notebook order: shuffle, seed {_seed(config)} (repeat with --notebook-seed {_seed(config)})"
    return f"notebook order: {config.getoption('notebook_order')}"


def _seed(config) -> int:
    if config.getoption("notebook_seed") is None:
        config.option.notebook_seed = random.SystemRandom().randrange(10**6)
    return config.getoption("notebook_seed")


class NotebookNeedsEngine(pytest.Item):
    """Stands in for all the cells of one notebook when no engine answers."""

    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self):
        pytest.fail(self.message, pytrace=False)

    def reportinfo(self):
        return self.path, None, self.name


def pytest_configure(config):
    # Exercise checks record passes in a progress file; a test run keeps its own, not the learner's.
    os.environ.setdefault("DOCKYARD_PROGRESS", str(Path(tempfile.mkdtemp(prefix="dockyard-progress-"))
                                                   / "progress.json"))
    # nbval opens the sanitize file from the notebook's folder; anchor it at the project root.
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize)


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def pytest_collection_modifyitems(session, config, items):
    config.stash[learner_key] = None
    try:
        client = connect(timeout=10)
    except EngineUnavailable as error:
        _replace_notebooks(session, items, str(error))
        return
    _order_notebooks(config, items)
    if any("final" in item.path.parts for item in items):
        config.stash[learner_key] = LearnerResources.plant(client)
        if any(_is_notebook_cell(item) for item in items):
            config.stash[recorder_key] = None  # started with the first notebook: unit tests before
            # it build wrong states on purpose, to prove the checks refuse them
            config.stash[ports_key] = [_take(port) for port in BUSY_PORTS]


def _take(port: int) -> socket.socket | None:
    """Listen on 127.0.0.1:port; None if something already does (then it is taken all the same)."""
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", port))
    except OSError:
        held.close()
        return None
    held.listen()
    return held


def _order_notebooks(config, items) -> None:
    """Reorder whole notebooks in the slots notebooks held; other tests keep their places."""
    order = config.getoption("notebook_order")
    if order == "file":
        return
    notebooks = list(dict.fromkeys(item.path for item in items if _is_notebook_cell(item)))
    if order == "reverse":
        notebooks.reverse()
    else:
        random.Random(_seed(config)).shuffle(notebooks)
    cells = {path: [item for item in items if item.path == path] for path in notebooks}
    reordered = iter([cell for path in notebooks for cell in cells[path]])
    items[:] = [next(reordered) if _is_notebook_cell(item) else item for item in items]


def pytest_runtest_setup(item):
    if _is_notebook_cell(item) and item.config.stash.get(recorder_key, False) is None:
        item.config.stash[recorder_key] = safety.Recorder(connect(timeout=None))
    taken = item.config.stash.setdefault(census_key, {})
    if _is_notebook_cell(item) and not isinstance(item, NotebookNeedsEngine) and item.path not in taken:
        with closing(connect(timeout=30)) as client:
            taken[item.path] = census.take(client)


def pytest_runtest_teardown(item, nextitem):
    if not _is_notebook_cell(item) or (nextitem is not None and nextitem.path == item.path):
        return
    before = item.config.stash.get(census_key, {}).pop(item.path, None)
    if before is None:
        return
    with closing(connect(timeout=30)) as client:
        left = census.left_by(client, before)
    if left:
        pytest.fail(f"{item.path.name} left these behind: {', '.join(sorted(left))}",
                    pytrace=False)


def _replace_notebooks(session, items, message: str) -> None:
    notebooks = list(dict.fromkeys(item.path for item in items if _is_notebook_cell(item)))
    kept = [item for item in items if not _is_notebook_cell(item)]
    stand_ins = [
        NotebookNeedsEngine.from_parent(
            session, name=str(path.relative_to(session.config.rootpath)), path=path, message=message
        )
        for path in notebooks
    ]
    items[:] = stand_ins + kept


@pytest.fixture(scope="session")
def learner_resources(request) -> LearnerResources | None:
    return request.config.stash.get(learner_key, None)


@pytest.fixture(scope="session")
def safety_record(request) -> safety.Recorder | None:
    """What the recorder saw of the course's containers; stopped once read, at the end of the run."""
    recorder = request.config.stash.get(recorder_key, None)
    if recorder is not None:
        recorder.stop()
    return recorder


@pytest.fixture(scope="session")
def busy_ports(request) -> list[int]:
    """The course's usual ports that were taken on 127.0.0.1 while the notebooks ran."""
    held = request.config.stash.get(ports_key, [])
    if not held:
        return []
    return [port for port, sock in zip(BUSY_PORTS, held, strict=True) if sock is None or sock.fileno() >= 0]


def pytest_sessionfinish(session):
    for held in session.config.stash.get(ports_key, []):
        if held is not None:
            held.close()
    recorder = session.config.stash.get(recorder_key, None)
    if recorder is not None:
        recorder.stop()
    planted = session.config.stash.get(learner_key, None)
    if planted is not None:
        planted.remove()
