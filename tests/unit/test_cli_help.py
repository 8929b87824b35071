"""Every command of `python -m dockyard` answers --help with what it does."""

import argparse

import pytest
from cli_support import dockyard

from dockyard import cli


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command path, subcommands included: ("images", "save"), ("doctor",), ..."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + (name,)
                yield from commands(sub, prefix + (name,))


ALL = list(commands(cli.parser()))


def test_the_issue_s_commands_are_there():
    for wanted in [("doctor",), ("images", "prepare"), ("images", "save"), ("images", "load"),
                   ("images", "list"), ("reset",), ("catch-up",), ("progress",), ("cleanup",)]:
        assert wanted in ALL


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_describes_the_command(path, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.parser().parse_args([*path, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    aliased = {"cleanup": "reset"}  # the older name of reset
    assert f"python -m dockyard {' '.join(aliased.get(word, word) for word in path)}" in usage
    assert rest.strip() and rest.strip()[0].isupper(), f"{' '.join(path)} --help has no description"


def test_help_from_the_command_line():
    assert "doctor" in dockyard("--help").stdout
    assert "sha256sum" in dockyard("images", "save", "--help").stdout
