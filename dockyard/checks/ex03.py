"""Checks for the Containers exercises (ex03)."""

from __future__ import annotations

from pathlib import Path

from dockyard.checks import core, proof, read, task

SAMPLE = "dockyard/sample-app:latest"
BASE = "python:3.11-slim"
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
    "ports={'5000/tcp': ('127.0.0.1', None)}); the image's own command starts the app, and "
    "dockyard.host_port(container) reads the port.",
    "CLI: docker run -d --init --name dockyard-ex03-1-web -p 127.0.0.1::5000 dockyard/sample-app:latest; "
    "docker port dockyard-ex03-1-web 5000 shows the port Docker picked.",
])
def background(client, c) -> None:
    name = "dockyard-ex03-1-web"
    web = proof.container(c, client, name, image=SAMPLE, status="running")
    proof.own_command(c, client, web, name)
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
    "--restart on-failure:3 --name dockyard-ex03-2-crash python:3.11-slim python -c PROGRAM, then "
    "docker inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "
    "dockyard-ex03-2-crash until it has exited.",
])
def crash(client, c) -> None:
    name = "dockyard-ex03-2-crash"
    found = proof.container(c, client, name, image=BASE)
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
    "Limits are part of the container's configuration (HostConfig); so are environment variables and the "
    "command (Config), which docker inspect shows to anyone. A secret goes in as a read-only file instead.",
    "client.containers.run(..., mem_limit='256m', nano_cpus=500_000_000, environment={'APP_MODE': "
    "'exercise'}, mounts=[docker.types.Mount('/run/secrets/api_token', "
    "'/tmp/dockyard-ex03/api_token.txt', type='bind', read_only=True)], ...)",
    "CLI: docker run -d --init --name dockyard-ex03-3-limited --memory 256m --cpus 0.5 -e "
    "APP_MODE=exercise --mount "
    "type=bind,source=/tmp/dockyard-ex03/api_token.txt,target=/run/secrets/api_token,readonly "
    "dockyard/sample-app:latest",
])
def limited(client, c) -> None:
    name = "dockyard-ex03-3-limited"
    found = proof.container(c, client, name, image=SAMPLE, status="running")
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
    config = read.config(found)
    shown = {f"the environment variable {key}": value for key, value in env.items()}
    shown |= {"its command": " ".join((config.get("Entrypoint") or []) + (config.get("Cmd") or []))}
    holders = sorted(where for where, value in shown.items() if token and token in value)
    c.check("docker inspect shows the token nowhere (no environment variable, not in its command)",
            found is not None and token and not holders,
            found=(f"{', '.join(holders)} holds it" if holders else "no container" if found is None
                   else f"no {TOKEN_FILE} to compare"))


@task("ex03-4", hints=[
    "A process running as PID 1 ignores SIGTERM unless it handles it, so docker stop waits and then kills it "
    "(exit code 137). Without --init, the image's own command must handle SIGTERM, the signal docker stop "
    "sends: another stop signal, or docker kill -s, leaves the image as it was.",
    "Build an image FROM dockyard/sample-app:latest whose exec-form CMD starts a server that handles "
    "SIGTERM; run it twice without init=True, and stop one of the two with container.stop(). The check "
    "reads /proc/1/status in the running one: SIGTERM must be among the signals PID 1 catches.",
    'RUN pip install --no-cache-dir gunicorn==23.0.0 and CMD ["gunicorn", "--bind", "0.0.0.0:5000", '
    '"app:app"] (or a Python handler: signal.signal(signal.SIGTERM, ...)). On the command line: docker '
    "build -t dockyard/ex03-4-quick:1 - <<'EOF' ... EOF; docker run -d --name NAME -p 127.0.0.1::5000 "
    "dockyard/ex03-4-quick:1, for dockyard-ex03-4-live and dockyard-ex03-4-quick, without --init; docker "
    "stop dockyard-ex03-4-quick, then docker inspect --format '{{.State.ExitCode}}' dockyard-ex03-4-quick.",
])
def quick(client, c) -> None:
    tag = "dockyard/ex03-4-quick:1"
    image = core.image(c, client, tag)
    base_tag = SAMPLE if proof.built_on(image, read.image(client, SAMPLE)) else BASE
    steps = proof.own_steps(image, read.image(client, base_tag))
    c.check(f"each step {tag} adds to its base is a Dockerfile instruction (built, not committed)",
            steps is not None and not proof.not_built(steps),
            found=("no image" if image is None else f"not built on {SAMPLE} or {BASE}" if steps is None
                   else proof.describe_steps(steps)))
    live_name, quick_name = "dockyard-ex03-4-live", "dockyard-ex03-4-quick"
    live = proof.container(c, client, live_name, image=tag, status="running")
    _no_init(c, live, live_name)
    _loopback_only(c, live, live_name)
    _answers(c, live, live_name)
    proof.stops_on_sigterm(c, live, live_name, "its command handles the signal")
    stopped = proof.container(c, client, quick_name, image=tag, status="exited")
    proof.own_command(c, client, stopped, quick_name)
    _no_init(c, stopped, quick_name)
    read_from = ((tag, image), (live_name, live), (quick_name, stopped))
    signals = {what: proof.stop_signal(found) for what, found in read_from if found is not None}
    others = {what: signal for what, signal in signals.items() if signal not in ("SIGTERM", "TERM", "15")}
    c.check("docker stop sends them SIGTERM (no other stop signal set on the image or a container)",
            image is not None and not others,
            found=", ".join(f"{what}: {signal}" for what, signal in others.items()) or "no image",
            expected="SIGTERM")
    code = read.exit_code(stopped)
    c.check(f"{quick_name} ended on SIGTERM, before the engine had to kill it (exit code 0 or 143, not 137)",
            code in (0, 143), found=f"exit code {code}" if code is not None else "not exited",
            expected="0 or 143")
