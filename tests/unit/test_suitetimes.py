"""make bench's summary of the last make test, from its JUnit reports."""

from tests.support import suitetimes

REPORT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="4" time="42.5">
<testcase classname="chapters.03-containers.ipynb" name="Cell 0" time="1.5"/>
<testcase classname="chapters.03-containers.ipynb" name="Cell 1" time="2.0"/>
<testcase classname="tests.terminal.test_scripts"
          name="test_the_chapter_runs_in_a_terminal_and_leaves_nothing[08-multi-stage]" time="30.0"/>
<testcase classname="tests.unit.test_names" name="test_a_free_name_is_simply_free" time="0.1"/>
</testsuite></testsuites>"""


def test_the_summary_adds_up_notebooks_and_scripts_and_names_the_slowest(tmp_path, capsys):
    (tmp_path / "2-notebooks.xml").write_text(REPORT)
    assert suitetimes.step_seconds(tmp_path / "2-notebooks.xml") == 42.5
    suitetimes.report(tmp_path, slowest=2)
    shown = capsys.readouterr().out.splitlines()
    assert "  2-notebooks                       42 s" in shown
    assert "  terminal 08-multi-stage                     30.0 s" in shown
    assert "  chapters/03-containers.ipynb                 3.5 s" in shown
    assert shown[-2:] == [
        "     30.0 s  tests.terminal.test_scripts::"
        "test_the_chapter_runs_in_a_terminal_and_leaves_nothing[08-multi-stage]",
        "      2.0 s  chapters.03-containers.ipynb::Cell 1"]


def test_without_reports_it_says_what_to_run(tmp_path, capsys):
    suitetimes.report(tmp_path)
    assert "run make test first" in capsys.readouterr().out


def test_lock_turns_add_up_what_each_holder_waited_and_held(tmp_path, capsys):
    (tmp_path / "2-notebooks.xml").write_text(REPORT)
    (tmp_path / suitetimes.LOCK_LOG).write_text(
        '{"lock": "builds", "asked": 100.0, "got": 100.5, "done": 110.5}\n'
        '{"lock": "builds", "asked": 101.0, "got": 110.5, "done": 112.5}\n'
        '{"lock": "builds", "asked": 112.0, "got": 112.5, "done": 114.5, "shared": true}\n'
        '{"lock": "builds", "asked": 112.0, "got": 112.5, "done": 113.5, "shared": true}\n')
    assert suitetimes.lock_turns(tmp_path / suitetimes.LOCK_LOG) == {
        "builds": (2, 12.0, 10.0), "builds shared": (2, 3.0, 1.0)}
    suitetimes.report(tmp_path, slowest=1)
    assert "  builds                          2 turns, held     12 s in all, waited for     10 s in all" \
        in capsys.readouterr().out.splitlines()


def test_a_turn_of_the_build_lock_is_logged_from_python_and_from_the_scripts_docker(tmp_path, monkeypatch):
    import os
    import subprocess

    from dockyard import locks
    from tests.support import dockerwrap

    log = tmp_path / suitetimes.LOCK_LOG
    monkeypatch.setenv("DOCKYARD_LOCK_LOG", str(log))
    with locks.builds():  # a test's build: shared (tests/support/plugin.py)
        pass
    # `docker build --help` is a build command line for the wrapper: it takes the lock, and answers at once
    for shared in (False, True):
        subprocess.run(["docker", "build", "--help"], env=dockerwrap.script_env(dict(os.environ), shared),
                       check=True, capture_output=True)
    turns = suitetimes.lock_turns(log)
    assert turns["builds"][0] == 1 and turns["builds shared"][0] == 2
    assert all(held >= 0 and waited >= 0 for _, held, waited in turns.values())
