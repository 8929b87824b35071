import uuid

import pytest

import dockyard


@pytest.fixture(scope="session")
def client():
    """The real engine; without one these tests fail with the course's own message."""
    engine = dockyard.connect()
    yield engine
    engine.close()


@pytest.fixture
def unique():
    """A name no earlier run used, so tests never meet each other's resources."""
    return f"dockyard-unit-{uuid.uuid4().hex[:8]}"
