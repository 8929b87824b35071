"""make test's schedule: files go to a worker whole, terminal scripts one chapter at a time, the longest
units first, and notebook cells where they were."""

from types import SimpleNamespace

from dockyard.shell import REPO
from tests.support import schedule

SCRIPT = f"{schedule.SCRIPTS}test_the_chapter_runs_in_a_terminal_and_leaves_nothing"


def test_a_file_is_one_unit_and_each_terminal_script_is_one_of_its_own():
    assert schedule.unit("tests/unit/test_locks.py::test_a[x]") == "tests/unit/test_locks.py"
    assert schedule.unit(f"{SCRIPT}[08-multi-stage]") != schedule.unit(f"{SCRIPT}[04-dockerfile]")
    assert schedule.Scheduler._split_scope(None, f"{SCRIPT}[08-multi-stage]") == f"{SCRIPT}[08-multi-stage]"


def test_the_longest_units_go_first_whole_and_notebook_cells_stay_put():
    def item(nodeid):
        return SimpleNamespace(nodeid=nodeid)

    items = [item("tests/unit/test_about.py::a"), item("chapters/01.ipynb::Cell 0"),
             item("tests/unit/test_checks_ex07.py::a"), item("tests/unit/test_checks_ex07.py::b"),
             item(f"{SCRIPT}[01-why-containers]"), item("tests/unit/test_checks_ex08.py::a")]
    schedule.arrange(items, lambda it: it.nodeid.endswith("Cell 0"))
    assert [it.nodeid for it in items] == [
        "tests/unit/test_checks_ex08.py::a", "chapters/01.ipynb::Cell 0", "tests/unit/test_checks_ex07.py::a",
        "tests/unit/test_checks_ex07.py::b", "tests/unit/test_about.py::a", f"{SCRIPT}[01-why-containers]"]


def test_every_unit_the_longest_first_list_names_exists():
    for name in schedule.LONGEST_FIRST:
        path = REPO / name.split("::")[0]
        assert path.is_file(), f"{name}: no such test file"
        if name.startswith(schedule.SCRIPTS):
            chapter = name.split("[")[1].rstrip("]")
            assert (REPO / "chapters" / f"{chapter}.ipynb").is_file(), f"{name}: no such chapter"
