"""The cache playground of the Dockerfile chapter: edit a Dockerfile, build, see which steps BuildKit reused.

The core, `build_steps`, writes the Dockerfile into a copy of the sample app and runs the same
`docker build --progress=plain` the chapter teaches (through `dockyard.build`), then says for each
step whether it came from the cache. `CachePlayground` wraps it in a text area and buttons; a build
runs in a worker thread, so the kernel stays free while BuildKit works.
"""

from __future__ import annotations

import datetime
import shutil
import threading
import time
from pathlib import Path

import docker
import ipywidgets as widgets

from dockyard.buildkit import Build, BuildFailed, build
from dockyard.labels import LABEL
from dockyard.sample import SAMPLE_APP
from dockyard.stores import same_content
from dockyard.widgets.common import Explorer, replace, write


def prepare(folder: Path) -> Path:
    """A copy of the sample app, its Dockerfile included, in `folder` (replacing an earlier one)."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(SAMPLE_APP, folder)
    return folder


def command(chapter: str, tag: str, folder: Path) -> str:
    return f"docker build --progress=plain --label {LABEL}={chapter} -t {tag} {folder}"


def build_steps(dockerfile: str, folder: Path, chapter: str, tag: str) -> tuple[Build, float]:
    """Write the Dockerfile into the build context and build it; return the build and its seconds."""
    (folder / "Dockerfile").write_text(dockerfile if dockerfile.endswith("\n") else dockerfile + "\n")
    started = time.perf_counter()
    done = build(command(chapter, tag, folder), show=False)
    return done, time.perf_counter() - started


def report(done: Build, seconds: float, same_image: bool | None = None) -> str:
    """Each step of the build, cached or rebuilt, in Dockerfile order, then the time it took."""
    head, folder = done.command.rsplit(" ", 1)
    lines = [f"$ {head} \\", f"    {folder}"]  # the command in two lines that still paste
    steps = [step for step in done.steps if step["result"] != "base"]  # FROM only names the base
    for step in steps:
        mark = "cached " if step["result"] == "cached" else "REBUILT"
        lines.append(f"  {mark}  [{step['step']}] {step['instruction']}")
    rebuilt = sum(step["result"] != "cached" for step in steps)
    lines.append(f"Built in {seconds:.1f} s: {len(steps) - rebuilt} steps cached, {rebuilt} rebuilt.")
    if same_image is not None:
        lines.append("The same image as the last build: the same layers and configuration." if same_image
                     else "A new image.")
    return "\n".join(lines) + "\n"


def edit_app(folder: Path) -> str:
    """Change app.py in the build context as a code edit would: append a comment with the time."""
    line = f"# edited at {datetime.datetime.now():%H:%M:%S.%f}"
    with open(folder / "app.py", "a") as source:
        source.write(line + "\n")
    return line


class CachePlayground(Explorer):
    """A Dockerfile to edit, a Build button, and each step of the build marked cached or rebuilt."""

    def __init__(self, client: docker.DockerClient, chapter: str, folder: Path,
                 tag: str | None = None, dockerfile: str | None = None):
        self.client, self.chapter, self.folder = client, chapter, prepare(Path(folder))
        # The sample app's own Dockerfile, in the order the chapter teaches: dependencies first, code
        # last. It is part of the context (COPY . . copies it), so an unchanged one keeps the cache.
        dockerfile = dockerfile or (self.folder / "Dockerfile").read_text()
        self.tag = tag or f"dockyard/{chapter}-playground:1"
        self.worker: threading.Thread | None = None
        self.initial = dockerfile
        self._last = None  # the image the last build made
        self.dockerfile = widgets.Textarea(value=dockerfile, rows=len(dockerfile.splitlines()) + 1,
                                           layout=widgets.Layout(width="100%"))
        self.build_button = widgets.Button(description="Build", icon="play", button_style="primary",
                                           tooltip=f"Run docker build on this Dockerfile in {self.folder}")
        self.edit_button = widgets.Button(description="Edit app.py", icon="pencil",
                                          tooltip="Append a comment to app.py in the build context")
        self.reset_button = widgets.Button(description="Reset Dockerfile", icon="undo",
                                           tooltip="Put the first Dockerfile back into the text box")
        self.out = widgets.Output()
        self.build_button.on_click(self.on_build)
        self.edit_button.on_click(self.on_edit)
        self.reset_button.on_click(self.on_reset)
        buttons = widgets.HBox([self.build_button, self.edit_button, self.reset_button])
        super().__init__([self.dockerfile, buttons, self.out])
        replace(self.out, f"Build context: a copy of the sample app in {self.folder}. Press Build.\n")

    def summary(self) -> str:
        return f"tag={self.tag!r}"

    def build(self) -> Build | None:
        """Build the text area's Dockerfile now and show the steps (the button runs this in a thread)."""
        try:
            done, seconds = build_steps(self.dockerfile.value, self.folder, self.chapter, self.tag)
        except BuildFailed as error:
            replace(self.out, f"The build failed:\n{error}\n")
            return None
        image = self.client.images.get(self.tag)
        # by content, not ID: the containerd image store gives a build from the cache an ID of its own
        same = None if self._last is None else same_content(image, self._last)
        self._last = image
        replace(self.out, report(done, seconds, same))
        return done

    def on_build(self, _button=None) -> None:
        self.build_button.disabled = True
        replace(self.out, f"Building {self.tag} ...\n")
        self.worker = threading.Thread(target=self._build_in_background, daemon=True)
        self.worker.start()

    def _build_in_background(self) -> None:
        try:
            self.build()
        except Exception as error:  # a thread's exception would vanish: show it where the learner looks
            write(self.out, f"The build stopped: {error}")
        finally:
            self.build_button.disabled = False

    def on_edit(self, _button=None) -> None:
        line = edit_app(self.folder)
        write(self.out, f"app.py changed: appended '{line}'. Press Build to see which steps run again.")

    def on_reset(self, _button=None) -> None:
        self.dockerfile.value = self.initial
        write(self.out, "The first Dockerfile is back. Press Build.")
