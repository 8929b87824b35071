"""`python -m dockyard catch-up CHAPTER`: the engine as a chapter expects it at its start.

What a chapter expects is read from its notebooks, not kept in a second list: the first code cell of
the chapter names its label (`CHAPTER = "volumes"`) and its images (`dockyard.about(client, [...])`),
its exercises' first cell names theirs, and a chapter whose notebooks call `dockyard.sample_image` runs
the sample app's image. Catching up removes what the chapter and its exercises left (by their labels
only), makes the images present, and builds the sample image, so a learner who fell behind starts the
chapter where the room starts it, with nothing of an earlier attempt in the way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import docker
import nbformat

from dockyard import disk, images
from dockyard.cleanup import leftovers
from dockyard.errors import CourseError
from dockyard.inventory import state
from dockyard.reset import planned, reset
from dockyard.sample import SAMPLE_IMAGE, sample_image
from dockyard.shell import REPO


class UnknownChapter(CourseError):
    pass


@dataclass(frozen=True)
class Start:
    """What one chapter expects at its start, as its notebooks say."""

    notebook: Path
    label: str
    images: tuple[str, ...]
    exercises_label: str | None = None
    sample: bool = False

    @property
    def number(self) -> str:
        return self.notebook.name.split("-", 1)[0]

    @property
    def labels(self) -> list[str]:
        return [self.label] + ([self.exercises_label] if self.exercises_label else [])


def first_cell(notebook: Path) -> tuple[str | None, list[str]]:
    """(the CHAPTER label, the images given to dockyard.about) in a notebook's first code cell."""
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    label, names = None, []
    for node in ast.walk(ast.parse(cells[0].source)) if cells else ():
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "CHAPTER" for t in node.targets):
            label = ast.literal_eval(node.value)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "about" and len(node.args) > 1:
            names = list(ast.literal_eval(node.args[1]))
    return label, names


def builds_sample(notebook: Path) -> bool:
    cells = nbformat.read(notebook, as_version=4).cells
    return any("sample_image(" in cell.source for cell in cells if cell.cell_type == "code")


def read(chapter: Path) -> Start:
    label, names = first_cell(chapter)
    if not label:
        raise UnknownChapter(f"{chapter} sets no CHAPTER in its first code cell.")
    exercises = chapter.parent.parent / "exercises" / chapter.name
    notebooks = [chapter]
    exercises_label = None
    if exercises.exists():
        exercises_label, more = first_cell(exercises)
        names += more
        notebooks.append(exercises)
    return Start(chapter, label, tuple(dict.fromkeys(names)), exercises_label,
                 any(builds_sample(notebook) for notebook in notebooks))


def chapters(root: Path = REPO) -> list[Path]:
    return sorted((root / "chapters").glob("[0-9][0-9]-*.ipynb"))


def find(spec: str, root: Path = REPO) -> Start:
    """A chapter by number (5, 05), file name (05-volumes), path, or label (volumes, ex05)."""
    wanted = Path(spec).stem.lower()
    for chapter in chapters(root):
        number = chapter.name.split("-", 1)[0]
        if wanted in {chapter.stem, number, number.lstrip("0"), f"ex{number}"}:
            return read(chapter)
    for chapter in chapters(root):
        start = read(chapter)
        if wanted in start.labels:
            return start
    known = ", ".join(chapter.stem for chapter in chapters(root))
    raise UnknownChapter(f"No chapter called '{spec}'. Name one by its number or file name: {known}.")


def catch_up(client: docker.DockerClient, start: Start, dry_run: bool = False) -> list[str]:
    """Bring the engine to the chapter's start; return what was (or, dry, would be) done."""
    missing = [name for name in start.images if not state(client, name).present]
    known = {image.name for image in images.manifest()}
    unlisted = [name for name in missing if name not in known]
    if unlisted:
        raise CourseError(f"{start.notebook.name} uses {', '.join(unlisted)}, which the engine does not have "
                          f"and dockyard/images.yaml does not list, so catch-up cannot prepare it.")
    done = [line for label in start.labels for line in reset(client, label, images=True, dry_run=dry_run)]
    if missing and not dry_run:
        disk.ensure_engine_room(client, disk.missing_size(client, missing), "prepare the chapter's images")
        images.prepare(client, missing)
    done += [f"{'would prepare' if dry_run else 'prepared'} {name}" for name in missing]
    done += [f"present {name}" for name in start.images if name not in missing]
    if start.sample:
        if not dry_run:
            sample_image(client)
        done.append(f"{'would build' if dry_run else 'built'} {SAMPLE_IMAGE} (from sample-app/)")
    return done


def others(client: docker.DockerClient, start: Start) -> list[str]:
    """Course resources other chapters left running or lying about (reset removes them)."""
    mine = {what for label in start.labels for what in planned(client, label)}
    return [what for what in leftovers(client) if what not in mine]
