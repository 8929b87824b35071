import json

import pytest

from dockyard import provision
from dockyard.engine import EngineUnavailable


def test_an_answering_engine_is_left_as_it_is(client, monkeypatch, capsys):
    monkeypatch.setattr(provision, "apt_install", lambda packages: pytest.fail(f"installed {packages}"))
    monkeypatch.setattr(provision, "start_dockerd", lambda: pytest.fail("started a second dockerd"))
    provision.ensure_engine()
    assert "nothing to change" in capsys.readouterr().out


def test_the_plugins_compose_and_buildx_answer():
    assert provision.missing_plugins() == []


@pytest.mark.parametrize(("setting", "expected"), [
    ({"DOCKYARD_PROVISION": "0"}, "DOCKYARD_PROVISION=0 forbids"),
    ({"DOCKYARD_PROVISION": "off"}, "DOCKYARD_PROVISION=0 forbids"),
])
def test_provisioning_can_be_switched_off(monkeypatch, setting, expected):
    for key, value in setting.items():
        monkeypatch.setenv(key, value)
    assert expected in provision.refusal()


def test_only_root_may_install(monkeypatch):
    monkeypatch.delenv("DOCKYARD_PROVISION", raising=False)
    monkeypatch.setattr(provision.os, "geteuid", lambda: 1000)
    assert "only root" in provision.refusal()


def test_no_engine_and_no_permission_gives_the_one_message(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    monkeypatch.setenv("DOCKYARD_PROVISION", "0")
    with pytest.raises(EngineUnavailable, match="no engine answers, and DOCKYARD_PROVISION=0"):
        provision.ensure_engine()


def test_a_suite_whose_engine_does_not_run_here_gives_way_to_the_next(monkeypatch, tmp_path, capsys):
    tried = []
    monkeypatch.setattr(provision, "_host_has", lambda package: True)
    monkeypatch.setattr(provision, "_unpack", lambda folder, suite, packages: tried.append(suite) or tmp_path)
    monkeypatch.setattr(provision, "_runs", lambda *folders: tried[-1] == "trixie")
    monkeypatch.setattr(provision, "_install_from", lambda root, suite, prefix: {"suite": suite})
    assert provision.install_engine()["suite"] == "trixie"
    assert tried == ["testing", "trixie"]
    assert "Debian testing's dockerd does not run on this host" in capsys.readouterr().out


def test_another_prefix_gets_one_suites_engine_and_no_plugins(monkeypatch, tmp_path):
    """An older engine for a rehearsal: its binaries in a prefix of their own, the machine's plugins and
    client left as they are."""
    unpacked = []
    monkeypatch.setattr(provision, "_host_has", lambda package: True)
    monkeypatch.setattr(provision, "_unpack", lambda folder, suite, debs: unpacked.append(debs) or tmp_path)
    monkeypatch.setattr(provision, "_runs", lambda *folders: True)
    installed = []
    monkeypatch.setattr(provision, "_install_from",
                        lambda root, suite, prefix: installed.append((suite, prefix)))
    provision.install_engine(("trixie",), tmp_path / "engine-trixie")
    assert installed == [("trixie", tmp_path / "engine-trixie")]
    assert unpacked == [provision.ENGINE_DEBS]


def test_no_suite_that_runs_here_stops_with_the_one_message(monkeypatch, tmp_path):
    monkeypatch.setattr(provision, "_host_has", lambda package: True)
    monkeypatch.setattr(provision, "_unpack", lambda folder, suite, packages: tmp_path)
    monkeypatch.setattr(provision, "_runs", lambda *folders: False)
    with pytest.raises(EngineUnavailable, match="no Debian suite's engine"):
        provision.install_engine()


def test_dockerd_starts_with_every_path_spelled_out():
    command = provision.dockerd_command()
    for flag in ("--data-root", "--exec-root", "--pidfile", "--host", "--init-path", "--config-file"):
        assert flag in command
    assert command[0] == str(provision.PREFIX / "bin/dockerd")


def test_the_engine_it_starts_uses_the_containerd_image_store(monkeypatch, tmp_path):
    """What new installs of Engine 29 and Docker Desktop use; the host's daemon.json is never read."""
    config = tmp_path / "daemon.json"
    started = []
    monkeypatch.setattr(provision, "DAEMON_CONFIG_FILE", config)
    monkeypatch.setattr(provision, "DOCKERD_LOG", tmp_path / "dockerd.log")
    monkeypatch.setattr(provision.subprocess, "Popen", lambda command, **kwargs: started.append(command))
    monkeypatch.setattr(provision, "until", lambda *args, **kwargs: True)
    provision.start_dockerd()
    command = started[0]
    assert command[command.index("--config-file") + 1] == str(config)
    assert json.loads(config.read_text()) == {"features": {"containerd-snapshotter": True}}


@pytest.mark.parametrize(("mounted", "setting", "mounts"), [
    (False, "1", True),  # as systemd would at boot
    (True, "1", False),  # already mounted: left as it is
    (False, "0", False),  # DOCKYARD_PROVISION=0: nothing is mounted either
])
def test_binfmt_misc_is_mounted_only_where_nothing_has(monkeypatch, tmp_path, mounted, setting, mounts):
    if mounted:
        (tmp_path / "status").write_text("enabled\n")
    monkeypatch.setattr(provision, "BINFMT_MISC", tmp_path)
    monkeypatch.setenv("DOCKYARD_PROVISION", setting)
    calls = []
    monkeypatch.setattr(provision.subprocess, "run", lambda line, **_: calls.append(line) or Done())
    provision.ensure_binfmt_misc()
    assert calls == ([["mount", "-t", "binfmt_misc", "binfmt_misc", str(tmp_path)]] if mounts else [])


class Done:
    returncode = 0
