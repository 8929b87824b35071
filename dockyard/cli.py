"""`python -m dockyard`: the course's commands, for learners and instructors.

Check a machine (doctor), prepare, list, save and load the images (images ...), put the engine where a
chapter starts (catch-up), remove what the course made (reset), and more. `--help` on any command says
what it does.
"""

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

from dockyard import (
    bundle,
    catchup,
    disk,
    doctor,
    handouts,
    images,
    inventory,
    progress,
    provision,
    reset,
    terminal,
)
from dockyard.engine import connect
from dockyard.errors import CourseError
from dockyard.labels import LABEL


def _setup(args) -> None:
    provision.ensure_engine()
    _prepare(args)


def _prepare(args) -> None:
    with closing(connect()) as client:
        names = args.names or None
        disk.ensure_engine_room(client, disk.missing_size(client, names), "fetch or build the missing images")
        images.prepare(client, names)


def _list(args) -> None:
    with closing(connect()) as client:
        _console().print(inventory.table(inventory.manifest_states(client), inventory.engine_arch(client)))


def _save(args) -> None:
    _only_manifest(args.only)
    with closing(connect()) as client:
        contents = bundle.save(client, Path(args.folder), args.only or None)
    folder = Path(args.folder)
    print(f"wrote {folder / bundle.ARCHIVE} ({inventory.human(contents['bytes'])}, {len(contents['images'])} "
          f"images), {folder / bundle.CHECKSUM} and {folder / bundle.CONTENTS}")


def _load(args) -> None:
    with closing(connect()) as client:
        loaded = bundle.load(client, Path(args.path), replace=args.replace)
        print("\n".join(f"loaded {name}" for name in loaded))
        _console().print(inventory.table(inventory.manifest_states(client), inventory.engine_arch(client)))


def _console() -> Console:
    # Piped into a file or a test, a table keeps a readable width instead of rich's default 80 columns.
    return Console() if sys.stdout.isatty() else Console(width=120)


def _only_manifest(names: list[str] | None) -> None:
    known = [image.name for image in images.manifest()]
    unknown = [name for name in names or [] if name not in known]
    if unknown:
        sys.exit(f"not in the manifest: {', '.join(unknown)} (it lists {', '.join(known)})")


def _reset(args) -> None:
    with closing(connect()) as client:
        lines = reset.reset(client, args.chapter, images=args.images, dry_run=args.dry_run)
        label = f"{LABEL}={args.chapter}" if args.chapter else LABEL
        print("\n".join(lines) or f"nothing carries the label {label}: nothing to remove")
        print(reset.summary(client, args.chapter, images=args.images, dry_run=args.dry_run))


DOCTOR_DETAILS = """\
Each check really exercises the engine: it answers (which one, version, API, image store); a
container runs and exits 0; a port published on 127.0.0.1 answers HTTP; Compose v2 and BuildKit;
the CPU architecture; free disk; every manifest image (official or stand-in, its architecture);
the host ports the course uses; Python and the pinned packages. Each row is PASS, WARN or FAIL with
a one-line fix. Exits 0 unless a check fails. A stopped engine is reported within seconds."""


def _doctor(args) -> None:
    checks = doctor.run(args.port)
    if args.json:
        print(json.dumps(doctor.as_json(checks), indent=1))
    else:
        _console().print(doctor.table(checks))
    if not doctor.ok(checks):
        sys.exit(1)


def _catch_up(args) -> None:
    start = catchup.find(args.chapter)
    with closing(connect()) as client:
        lines = catchup.catch_up(client, start, dry_run=args.dry_run)
        print("\n".join(lines))
        others = catchup.others(client, start)
    if others:
        print(f"left by other chapters, still on the engine: {len(others)} ({', '.join(others[:3])}"
              f"{' ...' if len(others) > 3 else ''}); python -m dockyard reset removes them")
    where = start.notebook.relative_to(start.notebook.parent.parent)
    ready = "Would be ready" if args.dry_run else "Ready"
    print(f"{ready} for {where}: open it and run its cells from the top.")


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



def _command(group, name: str, summary: str, details: str = "", **options) -> argparse.ArgumentParser:
    """A subcommand whose --help starts with its one-line summary and goes on with the details."""
    description = summary[0].upper() + summary[1:] + "." + (f"\n\n{details}" if details else "")
    return group.add_parser(name, help=summary, description=description,
                            formatter_class=argparse.RawDescriptionHelpFormatter, **options)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m dockyard", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(required=True, metavar="command")

    check = _command(commands, "doctor", "check that this machine can run the course", DOCTOR_DETAILS)
    check.add_argument("--json", action="store_true", help="print the checks as JSON, for scripts")
    check.add_argument("--port", type=int, action="append", default=[], metavar="N",
                       help="also check that host port N is free (repeatable)")
    check.set_defaults(run=_doctor)

    engine = _command(commands, "engine", "make sure a Docker engine answers",
                      "As root on Debian or Ubuntu, installs and starts one where none answers; elsewhere "
                      "says what to do. DOCKYARD_PROVISION=0 forbids any install.")
    engine.set_defaults(run=lambda args: provision.ensure_engine())
    setup = _command(commands, "setup", "the engine, then every image in the manifest",
                     "What `make setup` runs: `engine`, then `images prepare`.")
    setup.add_argument("names", nargs="*", help="only these images (default: all in the manifest)")
    setup.set_defaults(run=_setup)

    image_commands = _command(commands, "images", "prepare, list, save and load the images the course uses",
                              "Every image is listed once, in dockyard/images.yaml.").add_subparsers(
        required=True, metavar="action")
    prepare = _command(image_commands, "prepare",
                       "keep present images; pull the missing, else build stand-ins",
                       "Checks the engine's free disk first. Where no registry answers, builds a stand-in "
                       "from Debian packages under the official name, labelled dockyard.standin.")
    prepare.add_argument("names", nargs="*", help="only these images (default: all in the manifest)")
    prepare.set_defaults(run=_prepare)
    _command(image_commands, "list", "each manifest image: official, stand-in or missing, architecture, size"
             ).set_defaults(run=_list)
    save = _command(image_commands, "save", "write the images into one archive with a checksum, for a room",
                    f"Writes {bundle.ARCHIVE}, {bundle.CHECKSUM} (sha256sum format) and {bundle.CONTENTS}\n"
                    "into FOLDER, after checking that FOLDER has room. Copy the folder to a USB stick or a\n"
                    "file server; `images load FOLDER` puts the images on another machine's engine.")
    save.add_argument("folder", help="where to write the archive (created if missing)")
    save.add_argument("--only", action="append", metavar="IMAGE",
                      help="only this manifest image (repeatable; default: every image)")
    save.set_defaults(run=_save)
    load = _command(image_commands, "load", "verify an archive from `images save`, then load it",
                    "Checks the archive's size and SHA-256 first: a truncated or corrupt copy is refused\n"
                    "and nothing is loaded. Refuses, too, to move a name this engine gives another image.")
    load.add_argument("path", help=f"the folder `images save` wrote, or its {bundle.ARCHIVE}")
    load.add_argument("--replace", action="store_true",
                      help="load even where this engine has another image under a bundle's name")
    load.set_defaults(run=_load)

    again = _command(commands, "catch-up", "put the engine where a chapter starts",
                     "Removes what the chapter and its exercises left (by their labels only), prepares the\n"
                     "images the chapter uses, and builds the sample app's image where the chapter runs it.\n"
                     "What a chapter needs is read from its notebooks' first cells.")
    again.add_argument("chapter", help="a chapter's number or file name: 5, 05, 05-volumes")
    again.add_argument("--dry-run", action="store_true", help="say what it would do, change nothing")
    again.set_defaults(run=_catch_up)

    clean = _command(commands, "reset", "remove the course's labelled containers, networks and volumes",
                     "Selects by the label dockyard.chapter alone, prints each thing it removed, and counts\n"
                     "what it left. Your own containers, networks, volumes and images are never touched.",
                     aliases=["cleanup"])
    clean.add_argument("--chapter", help="only this chapter's resources (its label, e.g. volumes or ex05)")
    clean.add_argument("--images", action="store_true",
                       help="also remove the images the course built (never the ones it only uses)")
    clean.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    clean.set_defaults(run=_reset)

    passed = _command(commands, "progress", "the exercises you have passed, with when",
                      "Read from ~/.dockyard/progress.json (DOCKYARD_PROGRESS names another file).")
    passed.add_argument("--json", action="store_true", help="as JSON, e.g. for an instructor to collect")
    passed.set_defaults(run=_progress)
    handout = _command(commands, "handouts", "learners' copies of the exercises, without solutions")
    handout.add_argument("folder", help="where to write them")
    handout.set_defaults(run=_handouts)
    track = _command(commands, "terminal", "a chapter's docker commands, in order, as a bash script")
    track.add_argument("notebook", help="e.g. chapters/03-containers.ipynb")
    track.add_argument("-o", "--output", help="write the script here (default: print it)")
    track.set_defaults(run=_terminal)
    _command(commands, "open-book", "print where the built book is and open it").set_defaults(run=_open_book)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except CourseError as error:
        sys.exit(f"\n{error}")
