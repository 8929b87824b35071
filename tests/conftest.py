import os
import uuid

import pytest

import dockyard
from dockyard import images


@pytest.fixture(scope="session")
def client():
    """The real engine; without one these tests fail with the course's own message."""
    engine = dockyard.connect()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def slowdown(client) -> int:
    """How many times longer a bound on a whole chapter or command should be here: under emulation
    (the arm64 rehearsal on an amd64 host) Python starts and pip installs several times slower."""
    return 5 if images.emulated(client) else 1


@pytest.fixture
def unique():
    """A name no earlier run used, so tests never meet each other's resources."""
    return f"dockyard-unit-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def module_label(request, client):
    """One course label for everything a test module creates (`dockyard-unit-<module>-<pid>`); all of it
    goes when the module's tests are done."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    name = f"dockyard-unit-{module}-{os.getpid()}"
    yield name
    selector = {"label": f"{dockyard.LABEL}={name}"}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True, v=True)
    for image in client.images.list(filters=selector):
        client.images.remove(image.id, force=True)
