"""`python -m dockyard catch-up CHAPTER`: what a chapter expects, read from its notebooks, made true."""

import nbformat
import pytest
from cli_support import dockyard
from docker.errors import NotFound

from dockyard import catchup, images
from dockyard.errors import CourseError
from dockyard.labels import labels
from dockyard.sample import SAMPLE_IMAGE
from dockyard.shell import REPO


def test_every_chapter_says_what_it_expects():
    manifest = {image.name for image in images.manifest()}
    chapters = catchup.chapters()
    assert len(chapters) >= 9
    for chapter in chapters:
        start = catchup.read(chapter)
        assert start.label and start.images, chapter.name
        assert set(start.images) <= manifest, chapter.name
        assert start.exercises_label == f"ex{start.number}"


@pytest.mark.parametrize("spec", ["5", "05", "05-volumes", "chapters/05-volumes.ipynb", "volumes", "ex05"])
def test_a_chapter_is_found_by_number_file_name_or_label(spec):
    assert catchup.find(spec).notebook == REPO / "chapters" / "05-volumes.ipynb"


def test_an_unknown_chapter_lists_the_known_ones():
    with pytest.raises(catchup.UnknownChapter, match="05-volumes"):
        catchup.find("99")


def notebook(path, first_cell: str, *more: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell(first_cell)]
    cells += [nbformat.v4.new_code_cell(source) for source in more]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


@pytest.fixture
def course(tmp_path, unique):
    """A one-chapter course: its lesson uses debian, its exercises redis and the sample app's image."""
    notebook(tmp_path / "chapters" / "01-unit.ipynb",
             f'import dockyard\nclient = dockyard.connect()\nCHAPTER = "{unique}"\n'
             f'dockyard.cleanup(client, CHAPTER, images=True)\n'
             f'dockyard.about(client, ["debian:bookworm-slim"])')
    notebook(tmp_path / "exercises" / "01-unit.ipynb",
             f'import dockyard\nclient = dockyard.connect()\nCHAPTER = "ex-{unique}"\n'
             f'dockyard.about(client, ["redis:7", "debian:bookworm-slim"])',
             "dockyard.sample_image(client)")
    return tmp_path


def test_catch_up_clears_the_chapters_leftovers_and_builds_what_it_runs(client, unique, course):
    start = catchup.find("1", root=course)
    assert (start.label, start.exercises_label) == (unique, f"ex-{unique}")
    assert start.images == ("debian:bookworm-slim", "redis:7") and start.sample
    stale = client.containers.create("debian:bookworm-slim", ["true"], name=f"{unique}-stale",
                                     labels=labels(unique))
    half_done = client.volumes.create(f"{unique}-ex", labels=labels(f"ex-{unique}"))
    learners = client.containers.create("debian:bookworm-slim", ["true"], name=f"{unique}-mine")
    try:
        planned = catchup.catch_up(client, start, dry_run=True)
        assert f"would remove container {unique}-stale" in planned
        assert client.containers.get(stale.id)
        done = catchup.catch_up(client, start)
        assert f"removed container {unique}-stale" in done and f"removed volume {unique}-ex" in done
        assert "present redis:7" in done and f"built {SAMPLE_IMAGE} (from sample-app/)" in done
        with pytest.raises(NotFound):
            client.containers.get(stale.id)
        assert client.containers.get(learners.id).name == f"{unique}-mine"
        assert client.images.get(SAMPLE_IMAGE)
    finally:
        learners.remove()
        for leftover in (stale, half_done):
            try:
                leftover.remove()
            except NotFound:
                pass


def test_an_image_no_manifest_lists_stops_catch_up_before_it_changes_anything(client, unique, tmp_path):
    notebook(tmp_path / "chapters" / "01-unit.ipynb",
             f'CHAPTER = "{unique}"\ndockyard.about(client, ["dockyard/{unique}-unlisted:1"])')
    stale = client.volumes.create(f"{unique}-stale", labels=labels(unique))
    try:
        with pytest.raises(CourseError, match="does not list"):
            catchup.catch_up(client, catchup.find("01", root=tmp_path))
        assert client.volumes.get(stale.name)
    finally:
        stale.remove()


@pytest.mark.chapter_lock("volumes")  # the Volumes terminal script removes what carries its label
def test_the_command_names_the_chapter_and_changes_nothing_when_dry(client, unique):
    # A stale resource of the chapter's own label would go in a real run; a dry run leaves it.
    stale = client.volumes.create(f"{unique}-stale", labels=labels("volumes"))
    try:
        done = dockyard("catch-up", "05", "--dry-run")
        assert f"would remove volume {unique}-stale" in done.stdout
        assert client.volumes.get(stale.name)
    finally:
        try:
            stale.remove()
        except NotFound:
            pass
    assert "Would be ready for chapters/05-volumes.ipynb" in done.stdout
    assert "present debian:bookworm-slim" in done.stdout
    assert "No chapter called '42'" in dockyard("catch-up", "42", ok=False).stderr
