"""`python -m dockyard`: set up the engine and images, list the manifest, clean up."""

from __future__ import annotations

import argparse
import json
import os
import sys
import webbrowser
from contextlib import closing
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dockyard import bench, browser, handouts, images, lint, progress, provision, terminal
from dockyard.cleanup import cleanup
from dockyard.engine import connect
from dockyard.errors import CourseError


def _setup(args) -> None:
    provision.ensure_engine()
    _prepare(args)
    if not browser.ensure_browser():
        print("[browser] no Chromium found: the book's page tests will be skipped.")


def _prepare(args) -> None:
    with closing(connect()) as client:
        images.prepare(client, args.names or None)


def _list(args) -> None:
    with closing(connect()) as client:
        for image in images.manifest():
            state = "missing"
            if images.is_present(client, image.name):
                state = "stand-in" if images.is_standin(client, image.name) else "present"
            print(f"{image.name:24} {state:9} {image.why}")


def _cleanup(args) -> None:
    with closing(connect()) as client:
        removed = cleanup(client, args.chapter, images=args.images)
    print("\n".join(f"removed {what}" for what in removed) or "nothing labelled to remove")


def _open_book(args) -> None:
    index = Path("_build/html/index.html").resolve()
    print(f"The book is built. Open it at: file://{index}")
    if not os.environ.get("CI"):
        webbrowser.open(f"file://{index}")


def _terminal(args) -> None:
    text = terminal.script(Path(args.notebook))
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}; run it from the repository root: bash -eu {args.output}")
    else:
        print(text, end="")


def _handouts(args) -> None:
    for path in handouts.write(Path(args.folder)):
        print(f"wrote {path}")


def _progress(args) -> None:
    entries = progress.load()
    if args.json:
        print(json.dumps(entries, indent=1))
        return
    if not entries:
        print(f"no exercise passed yet ({progress.path()})")
        return
    table = Table("chapter", "task", "passed at (UTC)", title=f"Exercises passed: {len(entries)}")
    for entry in entries:
        table.add_row(entry["chapter"], entry["task"], entry["passed_at"])
    Console().print(table)


def _lint(args) -> None:
    findings = lint.report()
    for name, lines in findings.items():
        print(name, *lines, sep="\n  ")
    if findings:
        sys.exit(f"hadolint: {len(findings)} Dockerfile(s) with findings")
    print("hadolint: every Dockerfile passes")


def _bench(args) -> None:
    with closing(connect()) as client:
        bench.report(client, args.repeat)
        cleanup(client, bench.CHAPTER)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m dockyard", description=__doc__)
    commands = root.add_subparsers(required=True, metavar="command")
    engine = commands.add_parser("engine", help="make sure a Docker engine answers (as root on Debian "
                                                "or Ubuntu, installs and starts one)")
    engine.set_defaults(run=lambda args: provision.ensure_engine())
    setup = commands.add_parser("setup", help="engine, then every image in the manifest")
    setup.add_argument("names", nargs="*")
    setup.set_defaults(run=_setup)
    image_commands = commands.add_parser("images", help="the images the course uses").add_subparsers(
        required=True, metavar="action")
    prepare = image_commands.add_parser("prepare", help="keep present images; pull, else build stand-ins")
    prepare.add_argument("names", nargs="*", help="only these images (default: all in the manifest)")
    prepare.set_defaults(run=_prepare)
    image_commands.add_parser("list", help="the manifest and what is on the engine").set_defaults(run=_list)
    commands.add_parser("open-book", help="print where the built book is and open it").set_defaults(
        run=_open_book)
    timings = commands.add_parser("bench", help="median timings of common operations on this engine")
    timings.add_argument("--repeat", type=int, default=5)
    timings.set_defaults(run=_bench)
    track = commands.add_parser("terminal", help="a chapter's docker commands, in order, as a bash script")
    track.add_argument("notebook", help="e.g. chapters/03-containers.ipynb")
    track.add_argument("-o", "--output", help="write the script here (default: print it)")
    track.set_defaults(run=_terminal)
    handout = commands.add_parser("handouts", help="learners' copies of the exercises, without solutions")
    handout.add_argument("folder", help="where to write them")
    handout.set_defaults(run=_handouts)
    passed = commands.add_parser("progress", help="the exercises you have passed, with when")
    passed.add_argument("--json", action="store_true", help="as JSON, e.g. for an instructor to collect")
    passed.set_defaults(run=_progress)
    commands.add_parser("lint", help="hadolint over every Dockerfile the course ships or writes in a lesson"
                        ).set_defaults(run=_lint)
    clean = commands.add_parser("cleanup", help="remove the course's labelled containers, networks, volumes")
    clean.add_argument("--chapter", help="only this chapter's resources")
    clean.add_argument("--images", action="store_true", help="also remove the course's own built images")
    clean.set_defaults(run=_cleanup)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except CourseError as error:
        sys.exit(f"\n{error}")
