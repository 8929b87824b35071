"""How exercise 09 tells Gunicorn from other processes in `docker top`, without an engine."""

from __future__ import annotations

import pytest

from dockyard.checks import ex09

QEMU_P = "/usr/libexec/qemu-binfmt/aarch64-binfmt-P"


@pytest.mark.parametrize("command, gunicorn", [
    ("/usr/local/bin/python /usr/local/bin/gunicorn --bind 0.0.0.0:8000 app:app", True),
    ("gunicorn: worker [app:app]", True),
    ("python -m gunicorn app:app", True),
    ("/sbin/docker-init -- gunicorn app:app", False),
    ("/bin/sh -c gunicorn app:app", False),
    ("python -m flask run", False),
    # an image of another architecture: the emulator comes first (binfmt_misc, or Rosetta on a Mac);
    # with the P flag it is given the program's path, then argv[0] (as docker top showed them on arm64)
    (f"{QEMU_P} /usr/bin/python3 /usr/bin/python3 /usr/local/bin/gunicorn --workers 2 app:app", True),
    (f"{QEMU_P} /usr/bin/python python -m gunicorn app:app", True),
    (f"{QEMU_P} /usr/bin/python python app.py", False),
    (f"{QEMU_P} /usr/bin/python3 /usr/bin/python3 -c import urllib.request", False),
    # without the P flag, argv[0] is gone and the path stands in for it
    (f"{QEMU_P} /usr/local/bin/python /usr/local/bin/gunicorn app:app", True),
    ("/run/rosetta/rosetta /usr/local/bin/gunicorn app:app", True),
    ("/usr/bin/qemu-aarch64-static /usr/local/bin/python -m flask run", False),
])
def test_gunicorn_is_told_from_other_processes(command, gunicorn):
    assert ex09._is_gunicorn(command) is gunicorn
