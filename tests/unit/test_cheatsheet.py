"""The cheat sheet appendix is what the chapters run, regenerated, never edited by hand."""

from __future__ import annotations

import pytest

from tools import cheatsheet


def test_the_committed_page_is_what_the_chapters_generate():
    assert cheatsheet.PAGE.read_text() == cheatsheet.page(), (
        "chapters changed their commands: run `.venv/bin/python -m tools.cheatsheet` and commit")


@pytest.mark.parametrize("line, expected", [
    ("docker run --rm python:3.11-slim", [("docker run", True)]),
    ("docker compose -f sample-app/compose.yaml -p x up -d", [("docker compose up", True)]),
    ("docker ps -aq --filter label=a | xargs -r docker rm -f",
     [("docker ps", True), ("docker rm", False)]),
    ('curl -s "http://$(docker port web 5000)/"', []),
    ("docker network create net && docker network ls", [("docker network create", True),
                                                       ("docker network ls", False)]),
])
def test_each_docker_call_in_a_line_is_found(line, expected):
    assert [(name, standalone) for name, _, standalone in cheatsheet.docker_calls(line)] == expected


def test_a_command_without_a_description_stops_the_generator(monkeypatch):
    monkeypatch.setattr(cheatsheet, "SAYS", {})
    with pytest.raises(SystemExit, match="add a one-line description"):
        cheatsheet.page()


def test_sdk_summaries_come_from_the_sdk_in_markdown():
    assert cheatsheet.sdk_summary("client.containers.run") == "Run a container."
    assert "``" not in cheatsheet.sdk_summary("client.images.remove")


def test_a_redirection_stays_whole_in_an_example():
    [(_, example, _)] = cheatsheet.docker_calls("docker logs web 2>/dev/null")
    assert example == "docker logs web 2>/dev/null"
    [(_, example, _)] = cheatsheet.docker_calls("docker logs web 2>&1 >/dev/null")
    assert example == "docker logs web 2>&1 >/dev/null"


def test_a_summary_without_a_full_stop_ends_at_its_paragraph():
    summary = cheatsheet.sdk_summary("client.images.prune")
    assert summary == "Delete unused images."


def test_a_workflow_step_no_chapter_runs_stops_the_generator(monkeypatch):
    monkeypatch.setattr(cheatsheet, "WORKFLOWS", {"A task": [("A step", "docker frobnicate ")]})
    with pytest.raises(SystemExit, match="no chapter runs a command that starts with"):
        cheatsheet.page()


@pytest.mark.parametrize("command", [row[0] for row in cheatsheet.EVERYDAY])
def test_each_everyday_form_is_one_short_docker_command(command):
    [(name, example, standalone)] = cheatsheet.docker_calls(command)
    assert name in cheatsheet.SAYS and standalone and example == command
    assert len(command) <= 60


def test_an_everyday_form_its_chapter_no_longer_teaches_stops_the_generator(monkeypatch):
    assert cheatsheet.everyday_untaught() == []
    monkeypatch.setattr(cheatsheet, "EVERYDAY", [("docker run --gone x", "gone", "03-containers", "--gone")])
    with pytest.raises(SystemExit, match="no longer has"):
        cheatsheet.page()
