import pytest

import dockyard
from dockyard.processes import RUNC_INIT, NotStarted, wait_for_command, without_emulator

CHAPTER = "unit-processes"


@pytest.fixture
def run(client, unique):
    started = []

    def start(command):
        container = client.containers.run("debian:bookworm-slim", command, name=f"{unique}-{len(started)}",
                                          detach=True, labels=dockyard.labels(CHAPTER))
        started.append(container)
        return container

    yield start
    for container in started:
        container.remove(force=True)


def test_returns_once_the_command_runs(run):
    # Straight after `run -d` the process may still be runc's init; five fresh containers, each
    # read the moment the wait returns, list the command itself.
    for _ in range(5):
        container = run(["sleep", "infinity"])
        assert wait_for_command(container) == ["sleep infinity"]
        top = container.top()
        shown = [row[top["Titles"].index("CMD")] for row in top["Processes"]]
        assert [without_emulator(command) for command in shown] == ["sleep infinity"]


def test_a_container_that_exited_says_so_and_where_to_look(run):
    container = run(["sh", "-c", "exit 3"])
    container.wait()
    expected = rf"{container.name} is exited, not running; `docker logs {container.name}` says why"
    with pytest.raises(NotStarted, match=expected):
        wait_for_command(container)


class StuckInInit:
    """A container whose process never gets past runc's init (none of the engine's can be made to)."""

    name, status = "dockyard-unit-stuck", "running"

    def reload(self):
        pass

    def top(self):
        return {"Titles": ["UID", "PID", "CMD"], "Processes": [["root", "42", RUNC_INIT]]}


def test_gives_up_after_its_bound_naming_what_runs():
    with pytest.raises(NotStarted, match=r"dockyard-unit-stuck still runs no command .* \['runc init'\]"):
        wait_for_command(StuckInInit(), timeout=0.3)


@pytest.mark.parametrize("shown, command", [
    ("sleep infinity", "sleep infinity"),
    # as docker top showed it in the arm64 rehearsal (qemu through binfmt_misc, P flag)
    ("/usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/sleep sleep infinity", "sleep infinity"),
    ("/usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/python3 /usr/bin/python3 /usr/local/bin/gunicorn",
     "/usr/bin/python3 /usr/local/bin/gunicorn"),
])
def test_the_emulator_is_left_out_of_a_command(shown, command):
    assert without_emulator(shown) == command
