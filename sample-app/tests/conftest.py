import sys
import uuid
from pathlib import Path

import pytest

# The app is a script folder, not a package: make `import app` find it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import app  # noqa: E402

# Containers these tests start carry this label, so a cleanup by label finds them.
LABELS = {"dockyard.chapter": "sample-app-tests"}


@pytest.fixture
def client():
    app.testing = True
    return app.test_client()


@pytest.fixture(scope="module")  # gone before the suite checks for leftovers
def servers():
    """Real Redis and PostgreSQL servers in containers, published on free ports of 127.0.0.1.

    Yields the URLs the app reads (REDIS_URL, DATABASE_URL); removes the containers at the end,
    whatever happened.
    """
    docker = pytest.importorskip("docker")
    try:
        engine = docker.from_env()
        engine.ping()
    except (docker.errors.DockerException, OSError) as error:
        pytest.fail(f"These tests start Redis and PostgreSQL in Docker, but no engine answers: {error}",
                    pytrace=False)
    started = []
    try:
        redis_server = _start(engine, started, "redis:7", "6379/tcp")
        postgres = _start(engine, started, "postgres:15", "5432/tcp", environment={
            "POSTGRES_USER": "tests", "POSTGRES_PASSWORD": "tests-only", "POSTGRES_DB": "tests"})
        urls = {
            "REDIS_URL": f"redis://127.0.0.1:{_port(redis_server, '6379/tcp')}/0",
            "DATABASE_URL": f"postgresql://tests:tests-only@127.0.0.1:{_port(postgres, '5432/tcp')}/tests",
        }
        _wait(redis_server, lambda: _redis_answers(urls["REDIS_URL"]), timeout=30)
        _wait(postgres, lambda: _postgres_answers(urls["DATABASE_URL"]), timeout=90)
        yield urls
    finally:
        for container in started:
            container.remove(force=True, v=True)
        engine.close()


def _start(engine, started, image, port, environment=None):
    from docker.errors import ImageNotFound

    try:
        engine.images.get(image)
    except ImageNotFound:
        pytest.fail(f"{image} is not on this engine; get it with `python -m dockyard setup`.", pytrace=False)
    name = f"dockyard-sample-app-tests-{image.split(':')[0]}-{uuid.uuid4().hex[:8]}"
    container = engine.containers.run(image, name=name, detach=True, labels=LABELS,
                                      environment=environment, ports={port: ("127.0.0.1", None)})
    started.append(container)
    return container


def _port(container, port):
    container.reload()
    return int(container.attrs["NetworkSettings"]["Ports"][port][0]["HostPort"])


def _redis_answers(url):
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def _postgres_answers(url):
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def _wait(container, ready, timeout):
    # These tests run in the course's environment (the pytest run of `make test`), where its wait is.
    from dockyard.waiting import until

    if not until(ready, timeout=timeout, interval=0.5):
        logs = container.logs(tail=10).decode(errors="replace")
        pytest.fail(f"{container.name} did not answer within {timeout} s. Last log lines:\n{logs}",
                    pytrace=False)
