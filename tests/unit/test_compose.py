import json

import pytest

from dockyard.compose import COMPOSE_FILE, PROJECT, ComposeFailed, command, output, summary
from dockyard.labels import LABEL
from dockyard.sample import SAMPLE_APP

EXAMPLE_ENV = str(SAMPLE_APP / ".env.example")


def test_command_names_the_file_and_the_project():
    line = command("ps", files=[COMPOSE_FILE])
    assert line[:2] == ["docker", "compose"]
    assert line[line.index("-f") + 1] == str(COMPOSE_FILE)
    assert line[line.index("-p") + 1] == PROJECT == "dockyard-compose"
    assert line[-1] == "ps"


def test_summary_keeps_the_last_state_of_each_resource_sorted():
    stderr = "\n".join([
        "#1 [web internal] load build definition from Dockerfile",
        " Network dockyard-compose_default  Creating",
        " Container dockyard-compose-web-1  Started",
        ' Volume "dockyard-compose_postgres_data"  Created',
        " Network dockyard-compose_default  Created",
        " Container dockyard-compose-db-1  Healthy",
        " Container dockyard-compose-web-1  Healthy",
        "WARN[0000] Found orphan containers",
        'time="2026-01-01T00:00:00Z" level=warning msg="`version` is obsolete"',
    ])
    rows = summary(stderr)
    assert [row.split() for row in rows] == [
        ["Container", "dockyard-compose-db-1", "Healthy"],
        ["Container", "dockyard-compose-web-1", "Healthy"],
        ["Network", "dockyard-compose_default", "Created"],
        ["Volume", "dockyard-compose_postgres_data", "Created"],
        ["warning:", "Found", "orphan", "containers"],
        ["warning:", "`version`", "is", "obsolete"],
    ]
    assert len({row.rindex(" ") for row in rows[:4]}) == 1  # the states line up in one column


def test_the_stack_labels_everything_and_publishes_on_loopback_only():
    model = json.loads(output("--env-file", EXAMPLE_ENV, "config", "--format", "json"))
    assert model["name"] == PROJECT
    assert set(model["services"]) == {"web", "db", "redis"}
    for spec in model["services"].values():
        assert spec["labels"][LABEL] == "compose"
        assert all(port["host_ip"] == "127.0.0.1" for port in spec.get("ports", []))
    assert model["services"]["web"]["build"]["labels"][LABEL] == "compose"
    for resource in [*model["networks"].values(), *model["volumes"].values()]:
        assert resource["labels"][LABEL] == "compose"


def test_a_failure_raises_one_message_with_composes_reason(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    with pytest.raises(ComposeFailed, match="POSTGRES_.* is missing a value"):
        output("--env-file", str(empty), "config")


def test_build_steps_are_left_out_of_the_output():
    from dockyard.compose import _without_build_steps

    build_log = "#1 [web internal] load build definition\n#1 DONE 0.0s\n\n#2 [web 2/5] WORKDIR /app\n\n"
    assert _without_build_steps(build_log) == ""
    assert _without_build_steps(" id | text\n\n(0 rows)\n") == " id | text\n\n(0 rows)\n"


def test_the_whole_output_keeps_both_streams_in_the_order_they_came():
    from dockyard.compose import _capture

    line = ["sh", "-c", "echo out-1; sleep 0.2; echo err-1 >&2; sleep 0.2; echo out-2; exit 3"]
    returncode, (stdout, stderr), merged = _capture(line, timeout=10)
    assert returncode == 3
    assert (stdout, stderr) == ("out-1\nout-2\n", "err-1\n")
    assert merged == "out-1\nerr-1\nout-2\n"


def test_the_whole_output_is_the_last_commands():
    from dockyard.compose import whole_output

    output("--env-file", EXAMPLE_ENV, "config", "--services")
    assert sorted(whole_output().split()) == ["db", "redis", "web"]
