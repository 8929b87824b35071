"""pytest plugin for the course's test run (enabled in pytest.ini).

- With no engine, every notebook fails once with the one clear message, fast, instead of starting a
  kernel and printing a traceback per cell.
- Before the notebooks run, it plants a learner's own unlabelled container, network, volume and image;
  tests/final checks they came through untouched, then they are removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from dockyard.engine import EngineUnavailable, connect
from dockyard.learner import LearnerResources

learner_key = pytest.StashKey[LearnerResources | None]()


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
    if any("final" in item.path.parts for item in items):
        config.stash[learner_key] = LearnerResources.plant(client)


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


def pytest_sessionfinish(session):
    planted = session.config.stash.get(learner_key, None)
    if planted is not None:
        planted.remove()
