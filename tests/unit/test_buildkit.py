import pytest

import dockyard
from dockyard import buildkit

# reads the steps its builds report: its builds hold the build lock alone, as lessons' do
pytestmark = pytest.mark.build_steps

# Steps finish out of order: BuildKit logs [3/4] before [2/4] here.
LOG = """\
#4 [1/4] FROM docker.io/library/debian:bookworm-slim
#4 DONE 0.0s

#5 [internal] load build context
#5 transferring context: 34B done
#5 DONE 0.0s

#6 [3/4] COPY a.txt /a.txt
#6 CACHED

#8 [2/4] RUN echo hello 1
#8 0.273 hello 1
#8 DONE 0.3s

#9 [builder 1/2] FROM docker.io/library/python:3.11-slim
"""


def test_steps_come_back_in_dockerfile_order_each_cached_or_built():
    build = buildkit.parse("docker build .", LOG)
    assert [(s["stage"], s["step"], s["result"]) for s in build.steps] == [
        ("", "1/4", "base"), ("", "2/4", "built"), ("", "3/4", "cached"),
    ]  # #9 is a concurrent build's FROM step: this build has no stage "builder"
    assert build.context == "34B"
    assert build.result("COPY") == "cached"
    assert build.output_of("RUN") == ["hello 1"]
    assert build.seconds("RUN") == 0.3  # the step's DONE line
    assert build.seconds("COPY") == 0.0  # cached: no time of its own


def test_a_from_step_logged_under_a_concurrent_builds_label_is_shown_under_this_builds_own():
    shared = LOG.replace("#4 [1/4] FROM docker.io/library/debian:bookworm-slim",
                         "#4 [stage-1 1/6] FROM docker.io/library/debian:bookworm-slim")
    build = buildkit.parse("docker build .", shared)
    assert [(s["stage"], s["step"], s["instruction"]) for s in build.steps][0] == (
        "", "1/4", "FROM docker.io/library/debian:bookworm-slim")
    assert [s["step"] for s in build.steps] == ["1/4", "2/4", "3/4"]


def test_a_real_build_is_read_back_and_a_failed_one_names_the_missing_file(client, unique, capsys):
    tag = f"dockyard/{unique}:1"
    command = (f"docker build --progress=plain --label dockyard.chapter={unique} -t {tag} - <<'EOF'\n"
               f"FROM debian:bookworm-slim\nRUN echo {unique}\nEOF")  # new to the cache: built once
    try:
        first = dockyard.build(command)
        assert first.result("RUN") == "built" and first.output_of("RUN") == [unique]
        again = dockyard.build(command)
        assert again.result("RUN") == "cached"
        assert f" => CACHED [2/2] RUN echo {unique}" in capsys.readouterr().out
        assert client.images.get(tag).labels["dockyard.chapter"] == unique
        with pytest.raises(buildkit.BuildFailed, match='"/no": not found'):
            dockyard.build(f"docker build --progress=plain -t {tag}-x - <<'EOF'\nFROM {tag}\nCOPY no /x\nEOF")
    finally:
        dockyard.cleanup(client, unique, images=True)


FAILED_LOG = """\
#4 [1/2] FROM docker.io/library/python:3.11-slim
#4 CACHED

#8 [2/2] RUN pip wheel -r req.txt
#8 3.956 Collecting psycopg-c==3.3.9
#8 7.136       error: [Errno 2] No such file or directory: 'pg_config'
#8 7.142 error: metadata-generation-failed
#8 ERROR: process "/bin/sh -c pip wheel -r req.txt" did not complete successfully: exit code: 1
------
 > [2/2] RUN pip wheel -r req.txt:
7.136       error: [Errno 2] No such file or directory: 'pg_config'
7.142 error: metadata-generation-failed
------
Dockerfile:2
--------------------
   1 |     FROM python:3.11-slim
   2 | >>> RUN pip wheel -r req.txt
--------------------
ERROR: failed to build: failed to solve: process "/bin/sh -c pip wheel -r req.txt" did not complete \
successfully: exit code: 1
"""


def test_a_failure_shows_the_failing_steps_own_lines_and_buildkits_error_block_without_timings():
    assert buildkit.failure(FAILED_LOG, tail=2).splitlines() == [
        "[2/2] RUN pip wheel -r req.txt",
        "      error: [Errno 2] No such file or directory: 'pg_config'",
        "error: metadata-generation-failed",
        'ERROR: process "/bin/sh -c pip wheel -r req.txt" did not complete successfully: exit code: 1',
        "Dockerfile:2",
        "--------------------",
        "   1 |     FROM python:3.11-slim",
        "   2 | >>> RUN pip wheel -r req.txt",
        "--------------------",
        'ERROR: failed to build: failed to solve: process "/bin/sh -c pip wheel -r req.txt" did not '
        "complete successfully: exit code: 1",
    ]


RACE = ('ERROR: failed to build: failed to solve: failed to prepare extraction snapshot '
        '"extract-965605550-UwLQ sha256:a8f1": parent snapshot sha256:37db does not exist: not found')
ONE_STEP = "#5 [1/1] FROM docker.io/library/debian:bookworm-slim\n#5 DONE 0.0s\n"


def test_a_build_that_lost_a_snapshot_to_a_concurrent_removal_runs_once_more(monkeypatch):
    answers = [dockyard.shell.Ran("b", 1, RACE), dockyard.shell.Ran("b", 0, ONE_STEP)]
    monkeypatch.setattr(buildkit, "run", lambda *args, **kwargs: answers.pop(0))
    assert buildkit.build("docker build -t x -", show=False).steps[0]["instruction"].startswith("FROM")
    assert answers == []


def test_any_other_failure_is_not_run_again(monkeypatch):
    answers = [dockyard.shell.Ran("b", 1, "ERROR: failed to build: failed to solve: no such file"),
               dockyard.shell.Ran("b", 0, ONE_STEP)]
    monkeypatch.setattr(buildkit, "run", lambda *args, **kwargs: answers.pop(0))
    with pytest.raises(buildkit.BuildFailed, match="no such file"):
        buildkit.build("docker build -t x -", show=False)
    assert len(answers) == 1
