"""Checks for the Networking exercises (ex06).

A name lookup is tested with `getent hosts NAME` inside the learner's running container, a published
port with a GET. Whether a container stops promptly shows in its process tree: its PID 1 must be
Docker's init (`--init`) or a process that handles SIGTERM. ex06-4 asks the app for `/visits`, which
counts one visit in Redis, and reads the count back from the database container with `redis-cli GET`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from dockyard.checks import core, proof, read, task

CHAPTER = "ex06"
SAMPLE = "dockyard/sample-app:latest"
IMAGE = "debian:bookworm-slim"
GREETING = "Hello from Docker!"


def _network(c, client, name):
    found = read.network(client, name)
    c.check(f"network {name} exists", found, found="no such network")
    return found


def _stops_promptly(c, found, name) -> None:
    """PID 1 of the running container is Docker's init, or catches SIGTERM: otherwise the kernel drops
    the signal `docker stop` sends, and the stop waits 10 s for SIGKILL."""
    status = proof.pid1(found)
    program = (status or {}).get("Name", "").strip()
    c.check(f"{name} stops promptly: its PID 1 is Docker's init (--init) or handles SIGTERM",
            proof.ends_on_sigterm(status), expected="docker-init",
            found=f"PID 1 is {program or 'unknown'}, which ignores SIGTERM" if status
            else "no running container to read PID 1 in")


def _endpoint(found, network: str) -> dict:
    """The container's settings on one network ({} when it is not attached)."""
    return read.endpoints(found).get(network) or {}


def _attached(c, found, name, network) -> None:
    networks = read.networks_of(found)
    c.check(f"{name} is attached to {network}", network in networks, found=networks or "no network")


def _names(endpoint: dict) -> list[str]:
    # Aliases holds the aliases given; DNSNames (Engine 26 and later) every name the network answers to.
    return sorted(set(endpoint.get("Aliases") or []) | set(endpoint.get("DNSNames") or []))


def _resolves(c, client_container, client_name, name, target, network) -> None:
    code, address = read.lookup(client_container, name)
    expected = _endpoint(target, network).get("IPAddress") or None
    if code is None:
        found = address
    elif code:
        found = f"not found (getent exit code {code})"
    else:
        found = address if expected else f"{address}, but no {name} container on {network} to compare"
    c.check(f"inside {client_name}, getent hosts {name} answers the address of {name} on {network}",
            code == 0 and expected is not None and address == expected, found=found)


def _loopback_only(c, found, name, port: str = "5000/tcp") -> None:
    bindings = read.port_bindings(found, port)
    c.check(f"{name} publishes {port} on 127.0.0.1 only",
            bindings and all(b.get("HostIp") == "127.0.0.1" for b in bindings),
            found=read.describe_bindings(bindings), expected="127.0.0.1")


def _answers(c, found) -> None:
    status, body = read.http_get(found)
    c.check(f"GET / on the published port answers 200 {GREETING}", status == 200 and body == GREETING,
            found=f"{status} {body[:60]}" if status is not None else body, expected=f"200 {GREETING}")


@task("ex06-1", hints=[
    "A network you create is a separate bridge; a container started with a network option joins that "
    "network instead of the default bridge. A container whose PID 1 ignores SIGTERM waits 10 s for "
    "docker stop: the check reads its process tree.",
    "client.networks.create(name, driver='bridge'), then client.containers.run('debian:bookworm-slim', "
    "..., network=name, init=True, detach=True).",
    "command=['sleep', 'infinity'] with init=True keeps the container running and lets it stop at once "
    "(Docker's init is PID 1 and passes SIGTERM on). On the command line: docker network create NETWORK, "
    "then docker run -d --init --name NAME --network NETWORK debian:bookworm-slim sleep infinity.",
])
def own_network(client, c) -> None:
    network = "dockyard-ex06-1-net"
    found_network = _network(c, client, network)
    driver = found_network.attrs.get("Driver") if found_network is not None else None
    c.equal(f"{network} uses the bridge driver", driver, "bridge")
    name = "dockyard-ex06-1-app"
    app = core.named_container(c, client, name, image=IMAGE, status="running")
    c.equal(f"{name} is attached to {network} only", read.networks_of(app), [network])
    _stops_promptly(c, app, name)


@task("ex06-2", hints=[
    "On a user-defined network Docker's DNS server answers for every container by name, and for the "
    "aliases a container was given on that network.",
    "Start both containers from debian:bookworm-slim with network=... ; give the alias with "
    "networking_config={network: client.api.create_endpoint_config(aliases=['db'])} (CLI --network-alias "
    "db). An entry in the client's hosts file (--add-host) is not an alias.",
    "Both run ['sleep', 'infinity'] with init=True; client_container.exec_run(['getent', 'hosts', 'db']) "
    "shows the answer. On the command line: docker run -d --init --name NAME --network NETWORK "
    "--network-alias db debian:bookworm-slim sleep infinity (the client without the alias), then docker "
    "exec CLIENT getent hosts db.",
])
def alias(client, c) -> None:
    network = "dockyard-ex06-2-net"
    _network(c, client, network)
    db_name, client_name = "dockyard-ex06-2-db", "dockyard-ex06-2-client"
    db = core.named_container(c, client, db_name, image=IMAGE, status="running")
    _attached(c, db, db_name, network)
    names = _names(_endpoint(db, network))
    c.check(f"{db_name} answers to the alias db on {network}", "db" in names, found=names or "no names there")
    peer = core.named_container(c, client, client_name, image=IMAGE, status="running")
    _attached(c, peer, client_name, network)
    _resolves(c, peer, client_name, "db", db, network)


@task("ex06-3", hints=[
    "Publishing forwards a port of the host to a container port; give it the address 127.0.0.1 and no host "
    "port, and Docker picks a free one on this machine only.",
    "client.containers.run('dockyard/sample-app:latest', ports={'5000/tcp': ('127.0.0.1', None)}, "
    "init=True, detach=True, ...); dockyard.host_port(container) reads the port Docker picked.",
    "CLI: docker run -d --init --name NAME -p 127.0.0.1::5000 dockyard/sample-app:latest (the empty field "
    "between the colons is the host port, left to Docker); docker port NAME 5000 shows the port.",
])
def publish(client, c) -> None:
    name = "dockyard-ex06-3-web"
    web = core.named_container(c, client, name, image=SAMPLE, status="running")
    bindings = read.port_bindings(web, "5000/tcp")
    c.check(f"{name} publishes 5000/tcp", bindings, found="not published")
    _loopback_only(c, web, name)
    c.check("Docker picked the host port (none fixed in its configuration)",
            bindings and all(b.get("HostPort") in (None, "", "0") for b in bindings),
            found=read.describe_bindings(bindings), expected="host port any")
    _answers(c, web)


@task("ex06-4", hints=[
    "An internal network (docker network create --internal) has no route out of the host, and a container "
    "on it alone cannot publish ports. The web container needs the internal network to reach db, and a "
    "second, ordinary network to be published on. The check asks web for /visits and reads the count back "
    "from db.",
    "client.networks.create(name, internal=True); start db from redis:7 on it with the alias db; create web "
    "on another network with the published port and REDIS_URL, network.connect(web), then web.start().",
    "environment={'REDIS_URL': 'redis://db:6379/0'}, exactly: host db, port 6379; GET /visits on web's "
    'published port counts visits in Redis: it answers {"visits": 1} when web reaches db. On the command '
    "line: docker network create --internal BACK, and docker network create FRONT; docker run -d --name "
    "NAME --network BACK --network-alias db redis:7; docker create --init --name NAME --network FRONT -p "
    "127.0.0.1::5000 -e REDIS_URL=redis://db:6379/0 dockyard/sample-app:latest; docker network connect "
    "BACK NAME; docker start NAME.",
])
def isolate(client, c) -> None:
    back = "dockyard-ex06-4-back"
    found_back = _network(c, client, back)
    c.check(f"{back} is internal", found_back is not None and found_back.attrs.get("Internal") is True,
            found="an ordinary network" if found_back is not None else "no network", expected="internal")
    db_name, web_name = "dockyard-ex06-4-db", "dockyard-ex06-4-web"
    db = core.named_container(c, client, db_name, image="redis:7", status="running")
    networks = {name: _internal(client, name) for name in read.networks_of(db)}
    c.check(f"{db_name} is attached to internal networks only", networks and all(networks.values()),
            found=", ".join(f"{name} ({'internal' if inside else 'not internal'})"
                            for name, inside in networks.items()) or "no network")
    names = _names(_endpoint(db, back))
    c.check(f"{db_name} answers to the name db on {back}", "db" in names, found=names or "not attached there")
    every_port = read.host_config(db).get("PortBindings") or {}
    published = {port: read.describe_bindings(bindings) for port, bindings in every_port.items() if bindings}
    c.check(f"{db_name} publishes no ports", db is not None and not published,
            found=", ".join(f"{port} on {where}" for port, where in published.items()) or "no container")
    web = core.named_container(c, client, web_name, image=SAMPLE, status="running")
    _attached(c, web, web_name, back)
    url = read.env(web).get("REDIS_URL")
    c.check(f"{web_name}'s REDIS_URL points at host db, port 6379", _redis_at_db(url),
            found=url or "no REDIS_URL", expected="redis://db:6379/0")
    _loopback_only(c, web, web_name)
    _resolves(c, web, web_name, "db", db, back)
    _answers(c, web)
    _counts_in_db(c, web, db, db_name)


def _redis_at_db(url: str | None) -> bool:
    try:
        parts = urlsplit(url or "")
        return parts.scheme == "redis" and parts.hostname == "db" and parts.port == 6379
    except ValueError:  # a port that is no number
        return False


def _counts_in_db(c, web, db, db_name) -> None:
    """GET /visits counts one visit in the Redis that web's REDIS_URL names; db's own `redis-cli GET
    visits` must then hold at least that count: web talks to db, not to another Redis or to none."""
    status, body = read.http_get(web, path="/visits")
    try:
        count = json.loads(body).get("visits") if status == 200 else None
    except (ValueError, AttributeError):
        count = None
    code, held = read.exec_output(db, ["redis-cli", "GET", "visits"])
    ok = isinstance(count, int) and code == 0 and held.isdigit() and int(held) >= count
    if not isinstance(count, int):
        found = f"{status} {core.shorten(body, 60)}" if status is not None else body
    else:
        found = f"/visits answered {count}; {db_name} holds {held or 'no count'}"
    c.check(f"GET /visits on the published port answers a count that {db_name} holds (web reaches db)", ok,
            found=found, expected='{"visits": N}, and N in db')


def _internal(client, name: str) -> bool:
    found = read.network(client, name)
    return found is not None and found.attrs.get("Internal") is True
