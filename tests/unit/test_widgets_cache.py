"""The cache playground against the real engine: BuildKit's CACHED steps, read through the widget."""

import shutil
import warnings

import pytest

import dockyard
from dockyard.widgets import CachePlayground
from dockyard.widgets.cache import build_steps, prepare

# reads the steps its builds report: its builds hold the build lock alone, as lessons' do
pytestmark = pytest.mark.build_steps


def dockerfile(unique: str, marker: str = "one") -> str:
    """Quick to build (no pip): steps like the sample app's, one of them new to BuildKit's cache."""
    return (f"FROM debian:bookworm-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            f"RUN echo {unique}-{marker} > /marker\nCOPY . .\n")


@pytest.fixture
def folder(client, unique):
    context = dockyard.scratch(unique) / "playground"
    yield context
    dockyard.cleanup(client, unique, images=True)
    shutil.rmtree(context.parent)


def test_second_build_is_all_cached_and_a_changed_line_rebuilds_from_there(client, unique, folder):
    tag = f"dockyard/{unique}:1"
    prepare(folder)
    first, _ = build_steps(dockerfile(unique), folder, unique, tag)
    assert first.result("RUN") == "built"
    again, seconds = build_steps(dockerfile(unique), folder, unique, tag)
    assert {step["result"] for step in again.steps if step["result"] != "base"} == {"cached"} and seconds > 0
    changed, _ = build_steps(dockerfile(unique, "two"), folder, unique, tag)
    assert [changed.result(step) for step in ("WORKDIR", "COPY requirements.txt", "RUN", "COPY . .")] == [
        "cached", "cached", "built", "built"]
    assert client.images.get(tag).labels["dockyard.chapter"] == unique


def lines(playground) -> list[str]:
    return "".join(output["text"] for output in playground.out.outputs).splitlines()


def click_build(playground) -> list[str]:
    playground.on_build(playground.build_button)  # the button's handler
    assert playground.build_button.disabled
    playground.worker.join(timeout=300)
    assert not playground.worker.is_alive() and not playground.build_button.disabled
    return lines(playground)


def build_after_edit(client, playground, copy_step: str) -> list[str]:
    """Press Edit app.py, then Build; what the widget shows.

    Now and then (once in CI and once here in about 250 runs of this file, Engine 28.5.2) the widget shows
    `COPY . .` as cached right after an edit. Either BuildKit took the layer from before the edit, the
    engine's doing and what the widget should show, or the widget misread BuildKit's log. The image's
    app.py tells them apart: when it lacks the edit, the learner's next press of Edit and Build is tried
    once, with a warning in the report; when it holds the edit, the test fails here. (An edit that keeps
    app.py's size and modification time makes BuildKit keep its old copy on purpose, moby/buildkit#4817;
    a test built on that was dropped, since under CI's load even the real edit after it went unseen.)
    """
    for attempt in (1, 2):
        playground.on_edit(playground.edit_button)  # a code change
        edit = (playground.folder / "app.py").read_text().splitlines()[-1]
        assert edit.startswith("# edited at ")
        shown = click_build(playground)
        if f"  cached   {copy_step}" not in shown or attempt == 2:
            return shown
        copied = client.containers.run(playground.tag, ["cat", "/app/app.py"], remove=True,
                                       labels=dockyard.labels(playground.chapter)).decode()
        assert edit not in copied, f"the image holds the edit, yet the widget shows {copy_step} as cached"
        warnings.warn(f"BuildKit took {copy_step} from its cache with app.py as before the edit; "
                      "edited and built again", stacklevel=2)
    return shown


def test_the_widget_shows_an_edit_of_the_app_and_a_reordering_breaking_the_cache(client, unique, folder):
    tag = f"dockyard/{unique}:1"
    playground = CachePlayground(client, unique, folder, tag=tag, dockerfile=dockerfile(unique))
    assert repr(playground) == f"CachePlayground(tag='{tag}')"
    assert (folder / "app.py").read_text() == (dockyard.SAMPLE_APP / "app.py").read_text()
    click_build(playground)
    shown = click_build(playground)
    assert shown[:2] == [f"$ docker build --progress=plain --label dockyard.chapter={unique} -t {tag} \\",
                         f"    {folder}"]
    assert shown[-2].startswith("Built in ") and shown[-2].endswith(" s: 4 steps cached, 0 rebuilt.")
    assert shown[-1] == "The same image as the last build: the same layers and configuration."

    shown = build_after_edit(client, playground, "[5/5] COPY . .")
    assert f"  cached   [4/5] RUN echo {unique}-one > /marker" in shown
    assert "  REBUILT  [5/5] COPY . ." in shown and shown[-1] == "A new image."

    # COPY . . above the RUN line: the edited code now comes first, so the RUN step runs again
    reordered = playground.dockerfile.value.replace("COPY . .\n", "").replace("RUN", "COPY . .\nRUN")
    playground.dockerfile.value = reordered
    shown = build_after_edit(client, playground, "[4/5] COPY . .")
    assert "  REBUILT  [4/5] COPY . ." in shown
    assert f"  REBUILT  [5/5] RUN echo {unique}-one > /marker" in shown
    assert "  cached   [3/5] COPY requirements.txt ." in shown


def test_a_failed_build_says_why_and_frees_the_button(client, unique, folder):
    playground = CachePlayground(client, unique, folder, tag=f"dockyard/{unique}:1",
                                 dockerfile="FROM debian:bookworm-slim\nCOPY missing.txt /\n")
    shown = click_build(playground)
    assert shown[0] == "The build failed:" and any('"/missing.txt": not found' in line for line in shown)
    playground.on_reset(playground.reset_button)
    assert playground.dockerfile.value == "FROM debian:bookworm-slim\nCOPY missing.txt /\n"
