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
