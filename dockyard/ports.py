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
