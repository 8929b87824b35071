"""`python -m dockyard doctor` on the real engine: healthy, with no engine, with a port taken."""

import json
import re
import socket
import time

from cli_support import dockyard

from dockyard import doctor, images, inventory
from dockyard.engine import engine_version
from dockyard.ports import free_port
from dockyard.shell import REPO

ENGINE_ROWS = {"a container runs", "a published port answers", "disk for images"}


def rows(done) -> dict[str, dict]:
    return {check["name"]: check for check in json.loads(done.stdout)["checks"]}


def test_a_healthy_machine_passes_in_a_few_seconds(client):
    started = time.monotonic()
    done = dockyard("doctor", "--json")
    took = time.monotonic() - started
    found = rows(done)
    assert json.loads(done.stdout)["ok"] is True
    assert [name for name, check in found.items() if check["status"] == "fail"] == []
    assert all(found[name]["status"] == "pass" for name in ENGINE_ROWS)
    # an engine older than 28 runs the course, with a warning that says why to update
    older = engine_version(client)[:2] < doctor.GOOD_ENGINE
    assert found["engine answers"]["status"] == ("warn" if older else "pass"), found["engine answers"]
    assert "exited 0" in found["a container runs"]["detail"]
    assert "HTTP 200" in found["a published port answers"]["detail"]
    for image in images.manifest():
        assert found[f"image {image.name}"]["status"] in {"pass", "warn"}
    assert {"Compose v2", "BuildKit (buildx)", "CPU architecture", "Python", "pinned packages"} <= set(found)
    assert took < 15, f"doctor took {took:.1f} s"


def test_the_table_says_each_status_in_words():
    done = dockyard("doctor")
    assert "Dockyard doctor:" in done.stdout
    assert "PASS" in done.stdout and "engine answers" in done.stdout


def test_a_stopped_engine_is_reported_within_seconds_not_waited_for(tmp_path):
    for nowhere in (f"tcp://127.0.0.1:{free_port()}", f"unix://{tmp_path}/no-engine.sock"):
        started = time.monotonic()
        done = dockyard("doctor", "--json", env={"DOCKER_HOST": nowhere}, ok=False)
        took = time.monotonic() - started
        found = rows(done)
        assert found["engine answers"]["status"] == "fail"
        assert nowhere in found["engine answers"]["detail"]
        assert "DOCKER_HOST" in found["engine answers"]["fix"]
        assert all(found[name]["status"] == "skip" for name in ENGINE_ROWS)
        assert found["Python"]["status"] == "pass"  # what needs no engine is still checked
        assert took < 10, f"doctor took {took:.1f} s with no engine at {nowhere}"


def test_a_taken_port_fails_with_its_number_and_a_fix():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        done = dockyard("doctor", "--json", "--port", str(port), ok=False)
    check = rows(done)[f"port {port}"]
    assert check["status"] == "fail" and "in use" in check["detail"]
    assert str(port) in check["fix"]
    assert json.loads(done.stdout)["ok"] is False


def test_a_free_port_passes():
    port = free_port()
    assert rows(dockyard("doctor", "--json", "--port", str(port)))[f"port {port}"]["status"] == "pass"


def test_an_image_for_another_architecture_is_a_warning(client):
    engine = inventory.engine_arch(client)
    other = "arm64" if engine == "amd64" else "amd64"
    foreign = inventory.ImageState("redis:7", "", present=True, arch=other, size=1)
    [row] = doctor.image_rows(client, [foreign])
    assert row.status == "warn" and f"the engine is {engine}" in row.detail
    [missing] = doctor.image_rows(client, [inventory.ImageState("redis:7", "", present=False)])
    assert missing.status == "fail" and "images prepare" in missing.fix


def test_the_engine_row_names_desktop_containerd_and_old_engines():
    desktop = doctor.engine_identity(
        {"Version": "28.1.1", "ApiVersion": "1.49", "Components": [{"Name": "Engine"}]},
        {"OperatingSystem": "Docker Desktop", "Driver": "overlayfs",
         "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]})
    assert desktop.status == "pass"
    assert "Docker Desktop 28.1.1, API 1.49" in desktop.detail and "containerd" in desktop.detail
    old = doctor.engine_identity({"Version": "24.0.7", "ApiVersion": "1.43"}, {"OperatingSystem": "Ubuntu"})
    assert old.status == "fail" and "25 or newer" in old.fix
    middle = doctor.engine_identity({"Version": "26.1.5+dfsg1"}, {"OperatingSystem": "Debian"})
    assert middle.status == "warn"


def test_pins_follow_included_files_and_markers(tmp_path):
    (tmp_path / "app.txt").write_text('flask==3.0.0\nold-only==1.0; python_version < "3.0"\n')
    (tmp_path / "requirements.txt").write_text("# comment\n-r app.txt\nrich==15.0.0  # why\n")
    assert doctor.pins(tmp_path / "requirements.txt") == {"flask": "3.0.0", "rich": "15.0.0"}


def test_pins_read_a_hashed_lock_as_pip_compile_writes_it(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "#\n#    pip-compile --generate-hashes\n#\n"
        "docker==7.2.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n"
        "    # via dockyard (pyproject.toml)\n"
        "rich==15.0.0 \\\n    --hash=sha256:cc\n    # via\n    #   dockyard (pyproject.toml)\n")
    assert doctor.pins(tmp_path / "requirements.txt") == {"docker": "7.2.0", "rich": "15.0.0"}


def test_the_python_floor_is_the_one_pyproject_states():
    declared = re.search(r'^requires-python = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.MULTILINE)
    assert str(doctor.python_floor()) == declared.group(1)
    assert doctor.python().status == "pass"


def test_a_requested_platform_other_than_the_engines_is_a_warning(client, monkeypatch):
    engine = inventory.engine_arch(client)
    other = "arm64" if engine == "amd64" else "amd64"
    monkeypatch.setenv("DOCKER_DEFAULT_PLATFORM", f"linux/{other}")
    row = doctor.architecture(client)
    assert row.status == "warn" and f"DOCKER_DEFAULT_PLATFORM=linux/{other}" in row.detail
    monkeypatch.setenv("DOCKER_DEFAULT_PLATFORM", f"linux/{engine}")
    assert doctor.architecture(client).status == "pass"
