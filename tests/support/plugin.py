"""pytest plugin for the course's test run (enabled in pytest.ini).

- With no engine, every notebook fails once with the one clear message, fast, instead of starting a
  kernel and printing a traceback per cell.
- A test marked `chapter_lock("LABEL")` (or a module with that `pytestmark`) holds that chapter's
  lock (dockyard/locks.py) from its setup to its teardown, module-scoped fixtures included, so what it
  builds and asserts on the engine under that label is not changed by a test on the other worker.
- A test that is not a notebook cell builds with the build lock shared (`locks.sharing_builds()`):
  it checks images, not the steps its build reported, so such builds run side by side. A test that
  reads the steps a build reported is marked `build_steps` and holds the lock alone, as lessons do.
- The notebooks that build `sample-app/` uncached (UNCACHED_SAMPLE_BUILDS) take turns, each holding
  `locks.sample_app_cache()` from its first cell to its last.
- Under xdist, each chapter's terminal script is a unit of its own, and step 1's units go longest first
  (tests/support/schedule.py).
- `--notebook-order reverse|shuffle` runs the notebooks in another order (a shuffle prints its seed,
  `--notebook-seed` repeats it); the cells of a notebook keep theirs.
- `--kill-first` (make test's notebook step) runs each notebook first in a kernel of its own, killed
  with SIGKILL part-way (tests/support/interrupt.py); the strict nbval run that follows is the run
  "again from the top" that must pass with no cleanup by hand. For about a quarter of the notebooks,
  `python -m dockyard reset --chapter` clears the killed run instead, and must leave nothing labelled.
- A cell tagged `dockyard-store-output` prints what differs between the engine's two image stores (a
  push lists an attestation's blob on the containerd store, and names an index). Its stored output was
  recorded on RECORDED_STORE and is compared only on an engine with that store; on the other store the
  cell still runs, and the proof cell after it asserts what must hold on both (tests/unit/
  test_ignore_output_asserts.py holds every such cell to one).
- A census before and after every notebook: whatever it leaves with its chapter's label, or any
  dangling image of that chapter, fails its last cell. It only reports, and it looks at the notebook's
  own chapter alone, so notebooks can run side by side (pytest-xdist); tests/final looks at everything.
- `--record-run` (make test's notebook step) makes a run that tests/final judges afterwards, in a
  pytest run of its own, from what this one writes (tests/support/runrecord.py):
  - before the notebooks, a learner's own unlabelled container, network, volume and image are
    planted; tests/final checks they came through untouched, then removes them;
  - while the notebooks run, the ports the course's apps listen on (5000, 8000, 5432, 6379) are taken
    on 127.0.0.1, as a learner's own servers might take them: the chapters must let Docker pick;
  - a recorder in each worker follows the engine's container events from its first notebook on and
    inspects each course container against the safety rules (tests/support/safety.py).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
from contextlib import ExitStack, closing, nullcontext
from pathlib import Path

import pytest

from dockyard import locks
from dockyard.catchup import first_cell
from dockyard.cleanup import leftovers
from dockyard.engine import EngineUnavailable, connect
from dockyard.shell import REPO
from dockyard.stores import image_store
from tests.support import census, interrupt, runrecord, safety, schedule
from tests.support.learner import LearnerResources

# The notebooks that build sample-app/ as it is with --no-cache: they take turns, each holding
# locks.sample_app_cache() from its first cell to its last (one's uncached build between the other's first
# build and its cached rebuild would give that rebuild other layers). A test holds the list to the sources.
UNCACHED_SAMPLE_BUILDS = ("chapters/02-images.ipynb", "chapters/04-dockerfile.ipynb")
turns_key = pytest.StashKey[dict]()
recorder_key = pytest.StashKey[safety.Recorder | None]()
census_key = pytest.StashKey[dict]()
ports_key = pytest.StashKey["HeldPorts"]()
BUSY_PORTS = (5000, 8000, 5432, 6379)
# The image store of the engine the notebooks' stored outputs were recorded on: the containerd image
# store, which the engine make test starts uses (dockyard/provision.py), as new installs do.
RECORDED_STORE = "containerd"
STORE_OUTPUT = "dockyard-store-output"


def pytest_addoption(parser):
    group = parser.getgroup("dockyard")
    group.addoption("--notebook-order", choices=("file", "reverse", "shuffle"), default="file",
                    help="the order the notebooks run in; a notebook's cells keep theirs")
    group.addoption("--notebook-seed", type=int, default=None, help="the seed of --notebook-order shuffle")
    group.addoption("--kill-first", action="store_true",
                    help="before each notebook, run it part-way in a kernel of its own and kill that kernel")
    group.addoption("--record-run", action="store_true",
                    help="plant a learner's resources, hold the usual ports and record every course "
                         "container, for tests/final to judge afterwards")


def pytest_report_header(config):
    if config.getoption("notebook_order") == "shuffle":
        return f"notebook order: shuffle, seed {_seed(config)} (repeat with --notebook-seed {_seed(config)})"
    return f"notebook order: {config.getoption('notebook_order')}"


def _seed(config) -> int:
    if config.getoption("notebook_seed") is None and _is_worker(config):
        config.option.notebook_seed = config.workerinput.get("notebook_seed")
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
    config.addinivalue_line("markers", "chapter_lock(label): hold the chapter's lock while the test runs")
    config.addinivalue_line("markers", "build_steps: the test reads the steps its builds report, so its "
                                       "builds hold the build lock alone")
    # Exercise checks record passes in a progress file; a test run keeps its own, not the learner's,
    # in a folder it removes when it ends (xdist's workers inherit the controller's).
    if "DOCKYARD_PROGRESS" not in os.environ:
        scratch = tempfile.TemporaryDirectory(prefix="dockyard-progress-")
        os.environ["DOCKYARD_PROGRESS"] = str(Path(scratch.name) / "progress.json")
        config.add_cleanup(scratch.cleanup)
        config.add_cleanup(lambda: os.environ.pop("DOCKYARD_PROGRESS", None))
    # nbval opens the sanitize file from the notebook's folder; anchor it at the project root.
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize)


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def pytest_collection_modifyitems(session, config, items):
    schedule.arrange(items, _is_notebook_cell)
    try:
        client = connect(timeout=10)
    except EngineUnavailable as error:
        _replace_notebooks(session, items, str(error))
        return
    with closing(client):
        store = image_store(client)
    if store != RECORDED_STORE:
        _compare_store_outputs_not(items)
    _order_notebooks(config, items)
    if config.getoption("record_run") and any(_is_notebook_cell(item) for item in items):
        config.stash[recorder_key] = None  # started with this worker's first notebook


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """loadfile, with each chapter's terminal script a unit of its own (tests/support/schedule.py)."""
    if config.getoption("dist") == "loadfile":
        return schedule.Scheduler(config, log)
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's workers get the controller's seed: they must all put the notebooks in one order."""
    if node.config.getoption("notebook_order") == "shuffle":
        node.workerinput["notebook_seed"] = _seed(node.config)


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    config = session.config
    if not config.getoption("record_run") or _is_worker(config):
        return
    runrecord.begin()
    try:
        client = connect(timeout=10)
    except EngineUnavailable:
        return  # every notebook says so; there is nothing to plant on
    runrecord.write("learner", LearnerResources.plant(client).ids)
    config.stash[ports_key] = HeldPorts(BUSY_PORTS)


class HeldPorts:
    """Ports held on 127.0.0.1 for a whole run, as a learner's own servers might hold them."""

    def __init__(self, ports):
        self.ports = tuple(ports)
        self.sockets = [_take(port) for port in self.ports]

    def still_held(self) -> list[int]:
        """The ports something still listens on: proof, at the end, that they stayed taken."""
        return [port for port in self.ports if _answers(port)]

    def release(self) -> None:
        for sock in self.sockets:
            if sock is not None:
                sock.close()


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


def _answers(port: int) -> bool:
    """Whether something accepts a connection on 127.0.0.1:port now."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def _compare_store_outputs_not(items) -> None:
    """On an engine whose image store is not RECORDED_STORE, the cells tagged STORE_OUTPUT run, and
    their outputs are not compared (as nbval-ignore-output would say)."""
    for item in items:
        cell = getattr(item, "cell", None)
        if _is_notebook_cell(item) and cell is not None and STORE_OUTPUT in cell.metadata.get("tags", []):
            item.options["check"] = False


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Around setup, call and teardown: module-scoped fixtures set up and torn down there too.
    marker = item.get_closest_marker("chapter_lock")
    sharing = not _is_notebook_cell(item) and item.get_closest_marker("build_steps") is None
    with (locks.chapter(marker.args[0]) if marker else nullcontext()), \
            (locks.sharing_builds() if sharing else nullcontext()):
        yield


def pytest_runtest_setup(item):
    if _is_notebook_cell(item) and item.config.stash.get(recorder_key, False) is None:
        item.config.stash[recorder_key] = safety.Recorder(connect(timeout=None))
    taken = item.config.stash.setdefault(census_key, {})
    if _is_notebook_cell(item) and not isinstance(item, NotebookNeedsEngine) and item.path not in taken:
        if str(item.path.relative_to(REPO)) in UNCACHED_SAMPLE_BUILDS:
            turn = item.config.stash.setdefault(turns_key, {})[item.path] = ExitStack()
            turn.enter_context(locks.sample_app_cache())
        chapter = first_cell(item.path)[0]  # read once; the teardown census uses it too
        with closing(connect(timeout=30)) as client:
            taken[item.path] = chapter, census.take(client, chapter)
            if item.config.getoption("kill_first"):
                _kill_part_way(client, item.path, chapter)


def _kill_part_way(client, path: Path, chapter: str) -> None:
    """The interrupted run the notebook's own run must recover from (or reset, for some notebooks)."""
    name = str(path.relative_to(REPO))
    stopped = interrupt.run_then_kill(path)
    if not interrupt.resets_after_kill(name):
        print(f"{name}: killed after code cell {stopped}; the run below starts from what it left")
        return
    done = subprocess.run([sys.executable, "-m", "dockyard", "reset", "--chapter", chapter], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    left = leftovers(client, chapter)
    if done.returncode != 0 or left:
        pytest.fail(f"{name}: killed after code cell {stopped}, then `python -m dockyard reset --chapter "
                    f"{chapter}` exited {done.returncode} and left {left}\n{done.stderr}", pytrace=False)
    print(f"{name}: killed after code cell {stopped}; reset --chapter {chapter} left nothing")


def pytest_runtest_teardown(item, nextitem):
    if not _is_notebook_cell(item) or (nextitem is not None and nextitem.path == item.path):
        return
    turn = item.config.stash.get(turns_key, {}).pop(item.path, None)
    if turn is not None:
        turn.close()
    chapter, before = item.config.stash.get(census_key, {}).pop(item.path, (None, None))
    if before is None:
        return
    with closing(connect(timeout=30)) as client:
        left = census.left_by(client, before, chapter)
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
def learner_resources(client):
    """The learner's resources the recorded run planted; removed once tests/final is done with them."""
    ids = runrecord.read("learner")
    planted = LearnerResources(client, ids) if ids else None
    yield planted
    if planted is not None:
        planted.remove()


@pytest.fixture(scope="session")
def safety_record() -> runrecord.SafetyRecord | None:
    """What the recorders saw of the course's containers during the recorded run."""
    return runrecord.read_safety()


@pytest.fixture(scope="session")
def busy_ports() -> list[int]:
    """The course's usual ports that something still listened on, on 127.0.0.1, when the notebooks
    were done: held since the run began, by the plugin or by whatever held them before."""
    return runrecord.read("ports") or []


def pytest_sessionfinish(session):
    config = session.config
    recorder = config.stash.get(recorder_key, None)
    if recorder is not None:
        recorder.stop()
        runrecord.write_safety(config.workerinput["workerid"] if _is_worker(config) else "main", recorder)
    held = config.stash.get(ports_key, None)
    if held is not None:
        # Checked before they are let go: a port nothing listens on now was not held for the run.
        runrecord.write("ports", held.still_held())
        held.release()
