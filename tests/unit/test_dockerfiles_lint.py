"""hadolint passes on every Dockerfile the course ships or writes in a lesson, and fails on a broken one."""

import pytest

from dockyard.shell import REPO
from tools import lint

EVERY = {**lint.shipped(), **lint.in_lessons()}


@pytest.mark.parametrize("name", sorted(EVERY))
def test_the_dockerfile_passes_hadolint(name):
    assert lint.lint(EVERY[name]) == [], f"{name}: fix these, or ignore one inline with the rule and why"


def test_shipped_and_lesson_dockerfiles_are_all_found():
    assert "sample-app/Dockerfile" in EVERY
    assert any(name.startswith("dockyard/standins/") for name in EVERY)


def test_breaking_a_rule_in_a_shipped_dockerfile_fails_with_the_rule():
    shipped = (REPO / "sample-app/Dockerfile").read_text()
    broken = shipped.replace("FROM python:3.11-slim", "FROM python:latest")
    findings = lint.lint(broken)
    assert any("DL3007" in line for line in findings), findings


def test_lesson_heredocs_are_read_from_command_lines():
    command = "docker build -t x - <<'EOF'\nFROM debian:bookworm-slim\nRUN echo hi\nEOF"
    assert [m[2] for m in lint.HEREDOC.finditer(command)] == ["FROM debian:bookworm-slim\nRUN echo hi"]
