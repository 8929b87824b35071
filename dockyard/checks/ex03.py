"""Checks for the Containers exercises (ex03)."""

from __future__ import annotations

from pathlib import Path

from dockyard.checks import core, read, task

CHAPTER = "ex03"
SAMPLE = "dockyard/sample-app:latest"
GREETING = "Hello from Docker!"
CRASH_LINE = "no database yet"
TOKEN_FILE = Path("/tmp/dockyard-ex03/api_token.txt")
TOKEN_TARGET = "/run/secrets/api_token"
MIB = 2**20


def _loopback_only(c, found, name) -> None:
    bindings = read.port_bindings(found, "5000/tcp")
    c.check(f"{name} publishes 5000/tcp on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=read.describe_bindings(bindings), expected="127.0.0.1")


def _answers(c, found, name) -> None:
    status, body = read.http_get(found)
    c.check(f"GET / on {name}'s published port answers 200 {GREETING}", status == 200 and body == GREETING,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {GREETING}")


def _no_init(c, found, name) -> None:
    c.check(f"{name} runs without --init (the image itself stops on SIGTERM)",
            found is not None and read.host_config(found).get("Init") is not True,
            found="--init" if found is not None else "no container", expected="no init process")


@task("ex03-1", hints=[
    "A detached container runs in the background; with an init process in front of Flask it stops at once. "
    "Publishing with the address 127.0.0.1 and no host port lets Docker pick a free port on this machine.",
    "client.containers.run('dockyard/sample-app:latest', name=..., detach=True, init=True, "
    "ports={'5000/tcp': ('127.0.0.1', None)}, labels=...); dockyard.host_port(container) reads the port.",
    "CLI: docker run -d --init --name dockyard-ex03-1-web --label dockyard.chapter=ex03 -p "
    "127.0.0.1::5000 dockyard/sample-app:latest; docker port dockyard-ex03-1-web 5000 shows the port "
    "Docker picked.",
])
def background(client, c) -> None:
    name = "dockyard-ex03-1-web"
    web = core.container(c, client, name, CHAPTER, image=SAMPLE, status="running")
    c.check(f"{name} runs with an init process (--init)", read.host_config(web).get("Init") is True,
            found="no init process" if web is not None else "no container", expected="--init")
    bindings = read.port_bindings(web, "5000/tcp")
    _loopback_only(c, web, name)
    c.check("Docker picked the host port (none fixed in its configuration)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings),
            found=read.describe_bindings(bindings), expected="host port any")
    _answers(c, web, name)


@task("ex03-2", hints=[
    "A restart policy makes the engine start a container again when its main process ends; on-failure "
    "does so only after a non-zero exit code, and gives up after the maximum number of retries.",
    "client.containers.run('python:3.11-slim', [...], detach=True, restart_policy={'Name': 'on-failure', "
    "'MaximumRetryCount': 3}, ...); reload() it until its status is exited.",
    "command=['python', '-c', \"print('no database yet'); raise SystemExit(1)\"]; CLI: docker run -d "
    "--restart on-failure:3 --name NAME --label dockyard.chapter=ex03 IMAGE python -c PROGRAM, then "
    "docker inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' NAME until it has "
    "exited.",
])
def crash(client, c) -> None:
    name = "dockyard-ex03-2-crash"
    found = core.container(c, client, name, CHAPTER, image="python:3.11-slim")
    policy = read.host_config(found).get("RestartPolicy") or {}
    c.check(f"{name} has the restart policy on-failure with at most 3 retries",
            policy.get("Name") == "on-failure" and policy.get("MaximumRetryCount") == 3,
            found=(f"{policy.get('Name') or 'no'} policy, {policy.get('MaximumRetryCount', 0)} retries"
                   if found is not None else "no container"), expected="on-failure, 3 retries")
    c.equal("the engine gave up on it: it has exited", read.status(found), "exited")
    c.equal("the engine restarted it 3 times (RestartCount)",
            found.attrs.get("RestartCount") if found is not None else None, 3)
    c.equal("its last exit code is 1", read.exit_code(found), 1)
    runs = read.logs(found).count(CRASH_LINE)
    c.equal(f"its log shows {CRASH_LINE} 4 times (one run and three restarts)", runs, 4)


@task("ex03-3", hints=[
    "Limits are part of the container's configuration (HostConfig); so are environment variables (Config), "
    "which docker inspect shows to anyone. A secret goes in as a read-only file instead.",
    "client.containers.run(..., mem_limit='256m', nano_cpus=500_000_000, environment={'APP_MODE': "
    "'exercise'}, volumes={'/tmp/dockyard-ex03/api_token.txt': {'bind': '/run/secrets/api_token', "
    "'mode': 'ro'}}, ...)",
    "CLI: docker run -d --init --name NAME --label dockyard.chapter=ex03 --memory 256m --cpus 0.5 -e "
    "APP_MODE=exercise --mount "
    "type=bind,source=/tmp/dockyard-ex03/api_token.txt,target=/run/secrets/api_token,readonly IMAGE",
])
def limited(client, c) -> None:
    name = "dockyard-ex03-3-limited"
    found = core.container(c, client, name, CHAPTER, image=SAMPLE, status="running")
    host = read.host_config(found)
    memory = host.get("Memory") or 0
    c.equal(f"{name}'s memory limit is 256 MiB", memory / MIB if memory else None, 256)
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 100_000
    cpus = (host.get("NanoCpus") or 0) / 1e9 or quota / period
    c.equal(f"{name} may use half a CPU", cpus or None, 0.5)
    env = read.env(found)
    c.equal("its environment sets APP_MODE=exercise", env.get("APP_MODE"), "exercise")
    mount = read.mount(found, TOKEN_TARGET)
    source = mount.get("Source") or ""
    # Docker Desktop may show the file under a prefix (/private/tmp/..., /host_mnt/...).
    c.check(f"it mounts {TOKEN_FILE} at {TOKEN_TARGET}",
            mount.get("Type") == "bind" and source.endswith(str(TOKEN_FILE)),
            found=f"{mount.get('Type')} {source}" if mount else "nothing mounted there",
            expected=f"bind {TOKEN_FILE}")
    c.check(f"the mount at {TOKEN_TARGET} is read-only", mount and mount.get("RW") is False,
            found="read-write" if mount else "nothing mounted there", expected="read-only")
    token = TOKEN_FILE.read_text().strip() if TOKEN_FILE.is_file() else None
    code, inside = read.exec_output(found, ["cat", TOKEN_TARGET])
    c.check(f"inside {name}, {TOKEN_TARGET} holds the token from {TOKEN_FILE}",
            token and code == 0 and inside == token,
            found=(f"no {TOKEN_FILE} on this machine" if not token else inside if code is None
                   else f"cat exit code {code}" if code else "another text"))
    holders = sorted(key for key, value in env.items() if token and token in value)
    c.check("no environment variable holds the token", found is not None and token and not holders,
            found=(f"{', '.join(holders)} holds it" if holders else "no container" if found is None
                   else f"no {TOKEN_FILE} to compare"))


@task("ex03-4", hints=[
    "A process running as PID 1 ignores SIGTERM unless it handles it, so docker stop waits and then kills it "
    "(exit code 137). Without --init, the image's own command must handle SIGTERM.",
    "Build an image FROM dockyard/sample-app:latest whose exec-form CMD starts a server that handles "
    "SIGTERM; run it twice without init=True, and stop one of the two with container.stop().",
    'RUN pip install --no-cache-dir gunicorn==23.0.0 and CMD ["gunicorn", "--bind", "0.0.0.0:5000", '
    '"app:app"] (or a Python handler: signal.signal(signal.SIGTERM, ...)). On the command line: docker '
    "build --label dockyard.chapter=ex03 -t TAG - <<'EOF' ... EOF; docker run -d --name NAME --label "
    "dockyard.chapter=ex03 -p 127.0.0.1::5000 TAG, twice and without --init; docker stop NAME, then "
    "docker inspect --format '{{.State.ExitCode}}' NAME.",
])
def quick(client, c) -> None:
    tag = "dockyard/ex03-4-quick:1"
    image = read.image(client, tag)
    c.check(f"image {tag} exists", image, found="no such image")
    core.labelled(c, image, tag, CHAPTER)
    live_name, quick_name = "dockyard-ex03-4-live", "dockyard-ex03-4-quick"
    live = core.container(c, client, live_name, CHAPTER, image=tag, status="running")
    _no_init(c, live, live_name)
    _loopback_only(c, live, live_name)
    _answers(c, live, live_name)
    stopped = core.container(c, client, quick_name, CHAPTER, image=tag, status="exited")
    given, config = read.config(stopped), read.config(image)
    c.check(f"{quick_name} runs the image's own command (none given when it was run)",
            stopped is not None and image is not None
            and given.get("Cmd") == config.get("Cmd") and given.get("Entrypoint") == config.get("Entrypoint"),
            found=given.get("Cmd") if stopped is not None else "no container")
    _no_init(c, stopped, quick_name)
    code = read.exit_code(stopped)
    c.check(f"{quick_name} ended on SIGTERM, before the engine had to kill it (exit code 0 or 143, not 137)",
            code in (0, 143), found=f"exit code {code}" if code is not None else "not exited",
            expected="0 or 143")
