"""The sanitizer masks only what varies: each of its rules is needed, and none hides a wrong base image, a
wrong folder or a missing build step.

The rules are read and applied by nbval's own code, from the file pytest.ini hands it
(`--nbval-sanitize-with`), so these tests prove the rules nbval compares with, not a copy of them."""

import configparser
import re
import shlex
from types import SimpleNamespace

import nbformat
import pytest
from nbval.plugin import IPyNbCell, get_sanitize_patterns

from dockyard.shell import REPO

NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "exercises").glob("*.ipynb"))

# Rules for what differs only on other engines and platforms than the one the outputs come from, each
# with a stored form and the form that engine prints.
ELSEWHERE = {
    # the Gunicorn image's pip step, stored from a chapter's first run on an engine, CACHED on the next
    r"=> CACHED (\[2/2\] RUN pip install --no-cache-dir gunicorn==23\.0\.0)": (
        " => [2/2] RUN pip install --no-cache-dir gunicorn==23.0.0",
        " => CACHED [2/2] RUN pip install --no-cache-dir gunicorn==23.0.0"),
    # an arm64 image under emulation (tools/rehearsal runs the chapters so on an amd64 host)
    r"(['\s])/[^' ]*qemu[^' ]* /[^' ]+[ ]": (
        "PID 1: python app.py",
        "PID 1: /usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/local/bin/python python app.py"),
    # a short ID that happens to hold no letter: Share images' build, its image listing and a pushed layer,
    # Production's table of tags (CI's run of 7d6c998 failed on `1.0     234879872198`)
    r"(?m)(sha256:|\s)[0-9]{12}$|^[0-9]{12}(?=: )": (
        "built dockyard/share-app:1.0: sha256:95a099852518\ndockyard/share-app:1.0 95a099852518\n"
        "b0a7dd3cda55: Pushed\n1.0     9ad0ac8c9a6c",
        "built dockyard/share-app:1.0: sha256:959099852518\ndockyard/share-app:1.0 959099852518\n"
        "103733553055: Pushed\n1.0     234879872198"),
    # BuildKit's FROM step on the containerd image store (tools/rehearsal --store containerd)
    r"(\] FROM \S+?)@sha256:DIGEST": (
        " => [1/5] FROM docker.io/library/python:3.11-slim",
        " => [1/5] FROM docker.io/library/python:3.11-slim@sha256:" + "0123456789abcdef" * 4),
}


def sanitize_file() -> str:
    config = configparser.ConfigParser()
    config.read(REPO / "pytest.ini")
    options = shlex.split(config["pytest"]["addopts"])
    return options[options.index("--nbval-sanitize-with") + 1]


def patterns() -> dict[str, str]:
    """The regex/replace pairs as nbval holds them (IPyNbFile.setup_sanitize_files)."""
    return dict(get_sanitize_patterns((REPO / sanitize_file()).read_text()))


def sanitize(text: str, rules: dict[str, str]) -> str:
    """nbval's IPyNbCell.sanitize, on a cell whose file holds `rules`."""
    cell = SimpleNamespace(parent=SimpleNamespace(sanitize_patterns=rules))
    return IPyNbCell.sanitize(cell, text)


def stored_texts() -> list[str]:
    """The text of every stored output nbval compares: streams, plain text and HTML, error values."""
    texts = []
    for notebook in NOTEBOOKS:
        for cell in nbformat.read(notebook, as_version=4).cells:
            for output in cell.get("outputs", []):
                texts += [output.get("text", ""), output.get("evalue", "")]
                texts += [value for key, value in output.get("data", {}).items()
                          if key.startswith("text/") and isinstance(value, str)]
    return [text for text in texts if text]


@pytest.fixture(scope="module")
def texts():
    return stored_texts()


RULES = patterns()


@pytest.mark.parametrize("regex", list(RULES), ids=range(len(RULES)))
def test_each_rule_is_needed(regex, texts):
    if regex in ELSEWHERE:
        stored, elsewhere = ELSEWHERE[regex]
        without = {other: replace for other, replace in RULES.items() if other != regex}
        assert sanitize(stored, RULES) == sanitize(elsewhere, RULES)
        assert sanitize(stored, without) != sanitize(elsewhere, without)
        return
    changed = [text for text in texts if re.sub(regex, RULES[regex], text) != text]
    assert changed, f"no stored output of chapters/ or exercises/ has what this rule masks: {regex}"


def build_output(texts, *needles) -> str:
    return next(text for text in texts if all(needle in text for needle in needles))


def test_a_wrong_base_image_still_differs(texts):
    stored = build_output(texts, "FROM docker.io/library/python:3.11-slim")
    wrong = stored.replace("python:3.11-slim", "python:3.13-slim")
    assert sanitize(stored, RULES) != sanitize(wrong, RULES)


def test_a_wrong_scratch_folder_still_differs(texts):
    stored = build_output(texts, "/tmp/dockyard-images")
    wrong = stored.replace("/tmp/dockyard-images", "/tmp/dockyard-volumes")
    assert sanitize(stored, RULES) != sanitize(wrong, RULES)


def test_a_missing_step_still_differs(texts):
    stored = build_output(texts, "/5] FROM docker.io/library/", "[3/5] ")
    lines = stored.splitlines(keepends=True)
    missing = "".join(line for line in lines if "[3/5] " not in line)
    assert missing != stored and sanitize(stored, RULES) != sanitize(missing, RULES)


def test_a_twelve_digit_number_is_no_id():
    assert sanitize("Size: 123456789012 bytes", RULES) == "Size: 123456789012 bytes"
    assert sanitize("image 3f4e5d6c7b8a", RULES) == "image SHORTID"
