import socket

import dockyard


def test_free_port_can_be_bound_on_loopback():
    port = dockyard.free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_host_port_reads_back_what_docker_published(client, unique):
    container = client.containers.run("debian:bookworm-slim", ["sleep", "infinity"], name=unique,
                                      detach=True, init=True, ports={"5000/tcp": ("127.0.0.1", None)},
                                      labels=dockyard.labels("unit"))
    try:
        port = dockyard.host_port(container, "5000/tcp")
        assert 1024 < port < 65536
        bound = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostIp"]
        assert bound == "127.0.0.1"
    finally:
        container.remove(force=True)
