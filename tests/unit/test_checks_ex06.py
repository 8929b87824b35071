"""The Networking checks: each plausible wrong answer fails by its own condition; the right work passes.

Containers and networks are made as at work, without the course's label: the chapter's names make them
its own, and its clean-up finds them by those names.
"""

import pytest
from exercise_support import failed

import dockyard

pytestmark = pytest.mark.chapter_lock("ex06")  # ex06's state on the engine is this test's alone
IMAGE = "debian:bookworm-slim"
LOCAL = {"5000/tcp": ("127.0.0.1", None)}
EMPTY = {
    "ex06-1": "network dockyard-ex06-1-net exists",
    "ex06-2": "container dockyard-ex06-2-db exists",
    "ex06-3": "container dockyard-ex06-3-web exists",
    "ex06-4": "dockyard-ex06-4-back is internal",
}


@pytest.fixture(scope="module", autouse=True)
def sample(client):
    return dockyard.sample_image(client)


@pytest.fixture(autouse=True)
def clean(client):
    dockyard.cleanup(client, "ex06")
    yield
    dockyard.cleanup(client, "ex06")


def sleeper(client, name, network=None, aliases=None, command=("sleep", "infinity"), image=IMAGE, init=True,
            **options):
    config = {network: client.api.create_endpoint_config(aliases=aliases)} if aliases else None
    container = client.containers.run(image, list(command), name=name, detach=True, init=init,
                                      network=network, networking_config=config, **options)
    if command[0] != "sleep":
        container.wait(timeout=30)
    return container


def network(client, name, **options):
    return client.networks.create(name, **options)


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex06-1: a network of your own

PROMPTLY = "dockyard-ex06-1-app stops promptly: its PID 1 is Docker's init (--init) or handles SIGTERM"


def test_ex06_1_rejects_a_container_left_on_the_default_bridge(client):
    network(client, "dockyard-ex06-1-net")
    sleeper(client, "dockyard-ex06-1-app")
    assert failed(client, "ex06-1") == ["dockyard-ex06-1-app is attached to dockyard-ex06-1-net only"]


def test_ex06_1_rejects_a_container_that_exited(client):
    net = network(client, "dockyard-ex06-1-net")
    sleeper(client, "dockyard-ex06-1-app", net.name, command=("true",))
    assert failed(client, "ex06-1") == ["dockyard-ex06-1-app is running", PROMPTLY]


def test_ex06_1_rejects_a_container_of_another_image(client):
    net = network(client, "dockyard-ex06-1-net")
    sleeper(client, "dockyard-ex06-1-app", net.name, image="python:3.11-slim")
    assert failed(client, "ex06-1") == ["dockyard-ex06-1-app runs the image debian:bookworm-slim"]


def test_ex06_1_rejects_sleep_as_pid_1_without_init(client):
    net = network(client, "dockyard-ex06-1-net")
    sleeper(client, "dockyard-ex06-1-app", net.name, init=False)
    assert failed(client, "ex06-1") == [PROMPTLY]


def test_ex06_1_accepts_a_running_container_on_the_network(client):
    net = network(client, "dockyard-ex06-1-net")
    sleeper(client, "dockyard-ex06-1-app", net.name)
    assert failed(client, "ex06-1") == []


def test_ex06_1_typed_without_any_label_passes_and_cleanup_removes_it_but_not_yours(client, unique):
    # docker network create dockyard-ex06-1-net; docker run -d --init --name dockyard-ex06-1-app ...
    net = network(client, "dockyard-ex06-1-net")
    app = sleeper(client, "dockyard-ex06-1-app", net.name)
    assert not net.attrs.get("Labels") and dockyard.LABEL not in app.labels
    mine = sleeper(client, f"{unique}-mine")
    try:
        assert failed(client, "ex06-1") == []
        removed = dockyard.cleanup(client, "ex06")
        assert {"container dockyard-ex06-1-app", "network dockyard-ex06-1-net"} <= set(removed)
        assert not client.containers.list(all=True, filters={"name": "dockyard-ex06-"})
        assert not client.networks.list(names=["dockyard-ex06-1-net"])
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex06-2: an alias

LOOKUP = "inside dockyard-ex06-2-client, getent hosts db answers the address of db on dockyard-ex06-2-net"
ALIAS = "dockyard-ex06-2-db answers to the alias db on dockyard-ex06-2-net"


def test_ex06_2_rejects_a_database_without_the_alias(client):
    net = network(client, "dockyard-ex06-2-net")
    sleeper(client, "dockyard-ex06-2-db", net.name)
    sleeper(client, "dockyard-ex06-2-client", net.name)
    assert failed(client, "ex06-2") == [ALIAS, LOOKUP]


def test_ex06_2_rejects_a_client_on_the_default_bridge(client):
    net = network(client, "dockyard-ex06-2-net")
    sleeper(client, "dockyard-ex06-2-db", net.name, aliases=["db"])
    sleeper(client, "dockyard-ex06-2-client")
    assert failed(client, "ex06-2") == ["dockyard-ex06-2-client is attached to dockyard-ex06-2-net", LOOKUP]


def test_ex06_2_rejects_db_written_into_the_clients_hosts_file(client):
    # getent finds db in /etc/hosts (--add-host db:ADDRESS), but Docker's DNS server knows no alias.
    net = network(client, "dockyard-ex06-2-net")
    db = sleeper(client, "dockyard-ex06-2-db", net.name)
    db.reload()
    address = db.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
    sleeper(client, "dockyard-ex06-2-client", net.name, extra_hosts={"db": address})
    assert failed(client, "ex06-2") == [ALIAS]


def test_ex06_2_accepts_a_client_that_finds_db_by_its_alias(client):
    net = network(client, "dockyard-ex06-2-net")
    sleeper(client, "dockyard-ex06-2-db", net.name, aliases=["db"])
    sleeper(client, "dockyard-ex06-2-client", net.name)
    assert failed(client, "ex06-2") == []


# ex06-3: published on 127.0.0.1 at a port Docker picks

GET = "GET / on the published port answers 200 Hello from Docker!"


def web(client, name, ports, start=True, **options):
    create = client.containers.run if start else client.containers.create
    extra = {"detach": True} if start else {}
    return create(dockyard.SAMPLE_IMAGE, name=name, init=True, ports=ports, **extra, **options)


def test_ex06_3_rejects_a_container_created_for_every_interface(client):
    # Created, never started: nothing listens on all interfaces during the test.
    web(client, "dockyard-ex06-3-web", {"5000/tcp": None}, start=False)
    assert failed(client, "ex06-3") == ["dockyard-ex06-3-web is running",
                                        "dockyard-ex06-3-web publishes 5000/tcp on 127.0.0.1 only", GET]


def test_ex06_3_rejects_a_fixed_host_port(client):
    web(client, "dockyard-ex06-3-web", {"5000/tcp": ("127.0.0.1", dockyard.free_port())})
    assert failed(client, "ex06-3") == ["Docker picked the host port (none fixed in its configuration)"]


def test_ex06_3_rejects_a_container_that_publishes_nothing(client):
    web(client, "dockyard-ex06-3-web", None)
    assert failed(client, "ex06-3") == [
        "dockyard-ex06-3-web publishes 5000/tcp", "dockyard-ex06-3-web publishes 5000/tcp on 127.0.0.1 only",
        "Docker picked the host port (none fixed in its configuration)", GET]


def test_ex06_3_accepts_the_app_on_127_0_0_1_at_a_port_docker_picked(client):
    web(client, "dockyard-ex06-3-web", LOCAL)
    assert failed(client, "ex06-3") == []


# ex06-4: a database on an internal network

def stack(client, internal=True, db_on_bridge=False, web_on_back=True, url="redis://db:6379/0"):
    """front (ordinary) and back networks, db on back with the alias db, web published on front."""
    front = network(client, "dockyard-ex06-4-front")
    back = network(client, "dockyard-ex06-4-back", internal=internal)
    if db_on_bridge:  # on the default bridge too, so that it can publish a port
        db = client.containers.run("redis:7", name="dockyard-ex06-4-db", detach=True,
                                   ports={"6379/tcp": ("127.0.0.1", None)})
        back.connect(db, aliases=["db"])
    else:
        alias = {back.name: client.api.create_endpoint_config(aliases=["db"])}
        client.containers.run("redis:7", name="dockyard-ex06-4-db", detach=True,
                              network=back.name, networking_config=alias)
    app = web(client, "dockyard-ex06-4-web", LOCAL, start=False, network=front.name,
              environment={"REDIS_URL": url} if web_on_back else {})
    if web_on_back:
        back.connect(app)
    app.start()


VISITS = "GET /visits on the published port answers a count that dockyard-ex06-4-db holds (web reaches db)"
URL = "dockyard-ex06-4-web's REDIS_URL points at host db, port 6379"


def test_ex06_4_rejects_an_ordinary_back_network(client):
    stack(client, internal=False)
    assert failed(client, "ex06-4") == ["dockyard-ex06-4-back is internal",
                                        "dockyard-ex06-4-db is attached to internal networks only"]


def test_ex06_4_rejects_a_database_published_from_the_default_bridge(client):
    stack(client, db_on_bridge=True)
    assert failed(client, "ex06-4") == ["dockyard-ex06-4-db is attached to internal networks only",
                                        "dockyard-ex06-4-db publishes no ports"]


def test_ex06_4_rejects_a_web_container_that_cannot_reach_db(client):
    stack(client, web_on_back=False)
    assert failed(client, "ex06-4") == [
        "dockyard-ex06-4-web is attached to dockyard-ex06-4-back", URL,
        "inside dockyard-ex06-4-web, getent hosts db answers the address of db on dockyard-ex06-4-back",
        VISITS]


def test_ex06_4_rejects_a_redis_url_that_only_starts_right(client):
    stack(client, url="redis://db:63790/0")
    assert failed(client, "ex06-4") == [URL, VISITS]


def test_ex06_4_accepts_db_on_the_internal_network_only(client):
    stack(client)
    assert failed(client, "ex06-4") == []


def test_ex06_4_still_accepts_the_stack_after_the_sample_app_is_built_again(client, sample):
    # as when another chapter, or this page's first cell run again, builds the unchanged app meanwhile:
    # the rebuild keeps its ID (no provenance record with the build's time), so web still runs the image
    # the tag names and is not "an earlier build"
    stack(client)
    assert dockyard.sample_image(client).id == sample.id
    assert failed(client, "ex06-4") == []
