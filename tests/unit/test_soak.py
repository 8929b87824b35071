from tests.support import soak

REPORT = """<testsuites><testsuite>
<testcase classname="chapters.03-containers.ipynb" name="Cell 4"/>
<testcase classname="chapters.03-containers.ipynb" name="Cell 5"><failure message="x"/></testcase>
<testcase classname="chapters.07-compose.ipynb" name="Cell 9"><error message="y"/></testcase>
</testsuite></testsuites>"""


def test_a_report_gives_every_cell_that_failed_or_errored(tmp_path):
    report = tmp_path / "run.xml"
    report.write_text(REPORT)
    assert soak.failures(report) == ["chapters.03-containers.ipynb::Cell 5",
                                     "chapters.07-compose.ipynb::Cell 9"]


def test_the_soak_counts_each_cell_over_runs_and_fails_on_any(monkeypatch, tmp_path):
    outcomes = iter([REPORT, REPORT.replace('<error message="y"/>', "")])

    def fake_run(command, **kwargs):
        report = next(arg for arg in command if arg.startswith("--junitxml=")).split("=", 1)[1]
        open(report, "w").write(next(outcomes))

    monkeypatch.setattr(soak.subprocess, "run", fake_run)
    failed = soak.soak(2, ["chapters"], 1)
    assert failed == {"chapters.03-containers.ipynb::Cell 5": 2, "chapters.07-compose.ipynb::Cell 9": 1}
