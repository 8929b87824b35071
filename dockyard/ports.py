"""Host ports for published container ports, always on the loopback interface."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def host_port(container, container_port: str = "5000/tcp") -> int:
    """The host port Docker published a container port on (after a reload)."""
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"].get(container_port) or []
    if not bindings:
        raise LookupError(f"{container.name} publishes no host port for {container_port}")
    return int(bindings[0]["HostPort"])


# What the engine says when a host port is held: by another container ("port is already allocated"),
# by another program (Engine 28: "failed to bind host port ...: address already in use"; older engines:
# "listen tcp4 ...: bind: address already in use"), and what Docker Desktop says ("ports are not
# available").
TAKEN = ("port is already allocated", "address already in use", "ports are not available")


def port_taken(error: Exception, port: int, container_port: int | None = None) -> str:
    """The course's one paragraph for a `docker run -p 127.0.0.1:port:container_port` that found the
    host port taken; any other error is raised again unchanged."""
    said = str(getattr(error, "explanation", None) or error)
    if not any(words in said.lower() for words in TAKEN):
        raise error
    inside = container_port or port
    return (f"Port {port} on 127.0.0.1 is taken ({said.rsplit(': ', 1)[-1]}), so Docker could not "
            f"publish the container on it. Something else listens there: another container "
            f"(docker ps --filter publish={port}), a program of yours, or, on macOS 12 and later, the "
            f"AirPlay Receiver (turn it off in System Settings > General > AirDrop & Handoff). Pick "
            f"another host port, such as -p 127.0.0.1:{port + 1}:{inside}, or let Docker pick one: "
            f"-p 127.0.0.1::{inside}.")
