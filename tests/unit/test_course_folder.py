"""Where the course package finds the notebooks and the sample app: in its checkout, or, installed as a
package (the classroom's learner image), through DOCKYARD_COURSE or from the working folder up."""

from dockyard import shell


def test_the_checkout_holding_the_package(monkeypatch):
    monkeypatch.delenv("DOCKYARD_COURSE", raising=False)
    assert (shell.course_folder() / "sample-app").is_dir()
    assert shell.course_folder() == shell.REPO


def test_dockyard_course_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKYARD_COURSE", str(tmp_path))
    assert shell.course_folder() == tmp_path.resolve()


def test_an_installed_package_looks_up_from_the_working_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKYARD_COURSE", raising=False)
    monkeypatch.setattr(shell, "__file__", str(tmp_path / "site-packages/dockyard/shell.py"))
    (tmp_path / "course/sample-app").mkdir(parents=True)
    (tmp_path / "course/chapters").mkdir()
    monkeypatch.chdir(tmp_path / "course/chapters")
    assert shell.course_folder() == (tmp_path / "course").resolve()
