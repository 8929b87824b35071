import socket

import pytest

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


def test_a_taken_port_gets_the_course_paragraph_and_other_errors_stay_as_they_are():
    from docker.errors import APIError

    held = APIError("500", explanation="failed to set up container networking: driver failed programming "
                    "external connectivity on endpoint web (x): failed to bind host port for "
                    "127.0.0.1:5000:172.17.0.2:5000/tcp: address already in use")
    said = dockyard.port_taken(held, 5000)
    assert said.startswith("Port 5000 on 127.0.0.1 is taken (address already in use)")
    assert "-p 127.0.0.1:5001:5000" in said and "AirPlay Receiver" in said
    assert "is taken (port is already allocated)" in dockyard.port_taken(
        APIError("500", explanation="Bind for 127.0.0.1:5000 failed: port is already allocated"), 5000)
    other = APIError("404", explanation="No such image: dockyard/sample-app:latest")
    with pytest.raises(APIError):
        dockyard.port_taken(other, 5000)


def test_the_paragraph_suggests_the_next_host_port_for_the_same_container_port():
    from docker.errors import APIError

    held = APIError("500", explanation="Bind for 127.0.0.1:5001 failed: port is already allocated")
    assert "-p 127.0.0.1:5002:5000" in dockyard.port_taken(held, 5001, 5000)
