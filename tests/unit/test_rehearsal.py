"""The pure parts of the rehearsal on a second engine (tools/rehearsal) and of prepare's platform."""

import os
from pathlib import Path

import pytest

from dockyard import images
from tools.rehearsal import binfmt, netns, snapshot, suite
from tools.rehearsal.engine import Engine

DEBIAN_LINE = (":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02:\\xff\\xff\\xff\\xff\\xff:"
               "/usr/libexec/qemu-binfmt/aarch64-binfmt-P:{flags}")


@pytest.mark.parametrize("flags", ["OPF", "OP", "F", ""])
def test_binfmt_line_gets_the_fix_binary_flag_once(flags):
    name, line = binfmt.parse_line("# qemu\n\n" + DEBIAN_LINE.format(flags=flags) + "\n")
    assert name == "qemu-aarch64"
    assert line.rsplit(":", 1)[1].count("F") == 1
    assert line.rsplit(":", 1)[1].startswith(flags.replace("F", ""))


def test_binfmt_refuses_what_is_not_a_register_line():
    with pytest.raises(ValueError):
        binfmt.parse_line("qemu-aarch64 M magic\n")


def test_binfmt_names_arm64_as_qemu_does():
    assert binfmt.qemu_name("arm64") == "aarch64"


def test_second_engine_has_every_path_of_its_own():
    engine = Engine(prefix=Path("/opt/other-engine"), data_root=Path("/var/lib/x"), run_dir=Path("/run/x"))
    command = engine.command()
    assert command[0] == "/opt/other-engine/bin/dockerd"
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options == {
        "--host": "unix:///run/x/docker.sock", "--data-root": "/var/lib/x", "--exec-root": "/run/x/exec",
        "--pidfile": "/run/x/docker.pid", "--config-file": "/run/x/daemon.json",
        "--init-path": "/opt/other-engine/bin/docker-init",
    }
    assert "/var/run/docker" not in " ".join(command)
    assert engine.environment()["PATH"].startswith("/opt/other-engine/bin:")


def test_second_engine_uses_the_image_store_asked_for():
    assert Engine().daemon_config() == {}
    assert Engine(store="containerd").daemon_config() == {"features": {"containerd-snapshotter": True}}


def test_a_pidfile_no_dockerd_of_the_rehearsal_holds_is_removed_not_trusted(tmp_path):
    """After a restart the pidfile outlives its engine, and its ID may be another process's (here this
    test's own): the rehearsal neither signals that process nor refuses to start."""
    engine = Engine(run_dir=tmp_path)
    engine.pidfile.write_text(f"{os.getpid()}\n")
    assert engine.pid() is None
    assert not engine.pidfile.exists()
    engine.pidfile.write_text("not a number\n")
    assert engine.pid() is None


def test_a_rehearsal_command_can_have_a_tmp_of_its_own():
    assert netns.run_in(["true"])[0] == "nsenter"
    command = netns.run_in(["true"], own_tmp=True)
    assert command[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
    assert str(netns.TMP) in command and command[-1] == "true"


def test_namespace_teardown_deletes_every_rule_setup_inserts():
    inserted = [c for c in netns.setup_commands() if c[0] == "iptables"]
    deleted = [c for c in netns.teardown_commands() if c[0] == "iptables"]
    assert [c[c.index("-I") + 1:] for c in inserted] == [c[c.index("-D") + 1:] for c in deleted]
    assert all("DOCKER-USER" in c or "POSTROUTING" in c for c in inserted)
    assert netns.teardown_commands()[-1] == ["ip", "netns", "del", netns.NAME]


def test_commands_in_the_namespace_keep_the_hosts_mounts():
    # nsenter --net joins the network only; `ip netns exec` would remount /sys and hide the cgroups.
    assert netns.run_in(["dockerd"]) == ["nsenter", f"--net=/run/netns/{netns.NAME}", "--", "dockerd"]


def test_the_suite_runs_against_the_second_engine_without_provisioning():
    env = suite.environment("unix:///run/x/docker.sock", "linux/arm64")
    assert env == {"DOCKER_HOST": "unix:///run/x/docker.sock", "DOCKER_DEFAULT_PLATFORM": "linux/arm64",
                   "DOCKYARD_PROVISION": "0"}
    runs = suite.pytest_commands()
    assert not [arg for run in runs for arg in run if arg in ("tests/book", "tests/lab")]
    assert "--record-run" in runs[1] and runs[-1][-1] == "tests/final", "final judges that run"
    assert suite.pytest_commands(["--nbval", "chapters/01-why-containers.ipynb"])[0][-2:] == [
        "--nbval", "chapters/01-why-containers.ipynb"]


def test_snapshot_reports_what_came_and_went():
    before = {"containers": {"a 1"}, "images": {"sha256:1", "sha256:2"}}
    after = {"containers": {"a 1"}, "images": {"sha256:2", "sha256:3"}}
    assert snapshot.differences(before, after) == ["images: sha256:1 is gone", "images: sha256:3 is new"]
    assert snapshot.differences(before, before) == []


def test_snapshot_leaves_out_what_other_test_runs_make():
    assert snapshot._ours_elsewhere({"dockyard.chapter": "03"})
    assert snapshot._ours_elsewhere({"dockyard.test-learner": "1"})
    assert not snapshot._ours_elsewhere({"dockyard.standin": "debian:bookworm-slim"})
    assert not snapshot._ours_elsewhere(None)


class FakeEngine:
    def version(self):
        return {"Os": "linux", "Arch": "amd64"}


def test_prepare_targets_the_requested_platform(monkeypatch):
    monkeypatch.setenv("DOCKER_DEFAULT_PLATFORM", "linux/arm64/v8")
    assert images.target_platform(FakeEngine()) == "linux/arm64/v8"
    assert images.platform_arch("linux/arm64/v8") == "arm64"


def test_prepare_targets_the_engines_own_platform_by_default(monkeypatch):
    monkeypatch.delenv("DOCKER_DEFAULT_PLATFORM", raising=False)
    assert images.target_platform(FakeEngine()) == "linux/amd64"
    assert images.requested_platform() is None


def test_emulated_when_the_images_are_for_another_cpu_than_this_machines(monkeypatch):
    monkeypatch.setattr(images, "HOST_ARCH", "amd64")
    monkeypatch.setenv("DOCKER_DEFAULT_PLATFORM", "linux/arm64/v8")
    assert images.emulated(FakeEngine())
    monkeypatch.delenv("DOCKER_DEFAULT_PLATFORM")
    assert not images.emulated(FakeEngine())
    monkeypatch.setattr(images, "HOST_ARCH", "arm64")
    assert images.emulated(FakeEngine())
