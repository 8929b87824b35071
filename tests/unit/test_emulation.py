"""Registering QEMU for a lesson: only what the lesson added goes, also after a lesson stopped half-way."""

import pytest

from dockyard import emulation, locks

ARM = "qemu-aarch64"


@pytest.fixture
def lesson(client, unique):
    """The Share images chapter's turn (its notebook and its terminal script register the same emulator);
    the emulator is not registered before the test, nor after it."""
    with locks.chapter("share"):
        assert emulation.remove_registered(client, unique, quiet=True) == []
        assert ARM not in registered(client, unique), "qemu-aarch64 was registered before the test"
        yield unique
        emulation.binfmt(client, unique, "--uninstall", ARM)
        emulation.REGISTERED.unlink(missing_ok=True)


def registered(client, chapter) -> list[str]:
    return emulation.binfmt(client, chapter)[1]["emulators"] or []


def test_the_emulator_is_there_inside_the_block_only(client, lesson, capsys):
    with emulation.emulated(client, "arm64", lesson):
        assert ARM in registered(client, lesson) and emulation.REGISTERED.read_text().split() == [ARM]
    assert ARM not in registered(client, lesson) and not emulation.REGISTERED.exists()
    shown = capsys.readouterr().out
    assert "installing: arm64 OK" in shown and f"uninstalling: {ARM} OK" in shown


def test_an_emulator_registered_before_stays(client, lesson, capsys):
    emulation.binfmt(client, lesson, "--install", "arm64")  # as Docker Desktop or a package would have
    with emulation.emulated(client, "arm64", lesson):
        pass
    assert ARM in registered(client, lesson)
    assert capsys.readouterr().out == f"{ARM} was registered before: it stays as it is.\n"


def test_a_lesson_stopped_half_way_removes_its_emulator_on_the_next_run(client, lesson):
    emulation.REGISTERED.write_text(ARM + "\n")  # the run stopped inside the block: the name waits
    emulation.binfmt(client, lesson, "--install", "arm64")
    with emulation.emulated(client, "arm64", lesson):
        assert ARM in registered(client, lesson)
    assert ARM not in registered(client, lesson) and not emulation.REGISTERED.exists()
