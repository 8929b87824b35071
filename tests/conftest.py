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
