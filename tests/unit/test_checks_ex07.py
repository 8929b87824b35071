"""The Compose checks: wrong or missing work fails by its condition; the right work passes.

Each state is a real Compose project, brought up with the `docker compose` CLI from a file written here.
"""

import pytest
import requests
import yaml
from exercise_support import failed

import dockyard
from dockyard.shell import run

pytestmark = pytest.mark.chapter_lock("ex07")  # ex07's state on the engine is this test's alone
LABELS = {"dockyard.chapter": "ex07"}
PROJECTS = [f"dockyard-ex07-{n}" for n in range(1, 5)]
REDIS_HEALTH = {"test": ["CMD", "redis-cli", "ping"], "interval": "1s", "timeout": "3s", "retries": 30}
WEB_HEALTH = {"test": ["CMD", "python", "-c",
                       "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health')"],
              "interval": "1s", "timeout": "3s", "retries": 30}
DB_HEALTH = {"test": ["CMD-SHELL", 'pg_isready -h 127.0.0.1 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"'],
             "interval": "1s", "timeout": "3s", "retries": 60}
LOCAL = ["127.0.0.1::5000"]
EMPTY = {
    "ex07-1": "service redis of project dockyard-ex07-1 has a container",
    "ex07-2": "service web of project dockyard-ex07-2 has a container",
    "ex07-3": "volume dockyard-ex07-3_data exists",
    "ex07-4": "service db of project dockyard-ex07-4 has a container",
}


@pytest.fixture(scope="module", autouse=True)
def sample(client):
    return dockyard.sample_image(client)


def down(client):
    """`docker compose down -v` for each project that has anything left (unlabelled things included)."""
    for project in PROJECTS:
        made = {"label": [f"com.docker.compose.project={project}"]}
        if (client.containers.list(all=True, filters=made) or client.networks.list(filters=made)
                or client.volumes.list(filters=made)):
            run(f"docker compose --progress quiet -p {project} down -v --remove-orphans")


@pytest.fixture(autouse=True)
def clean(client):
    down(client)
    dockyard.cleanup(client, "ex07", images=True)
    yield
    down(client)
    dockyard.cleanup(client, "ex07", images=True)


def write(folder, name, services, volumes=None, networks=None, labelled_network=True):
    """A compose.yaml for project `name` in `folder`; every network and volume labelled unless told."""
    document = {"name": name, "services": services,
                "networks": networks or {"default": {"labels": LABELS if labelled_network else {}}}}
    if volumes:
        document["volumes"] = volumes
    folder.mkdir(exist_ok=True)
    (folder / "compose.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return folder / "compose.yaml"


def compose(file, *args):
    return run(f"docker compose --progress quiet -f {file} " + " ".join(args), timeout=180)


def up(file, wait=True):
    return compose(file, "up", "-d", *(["--wait", "--wait-timeout", "120"] if wait else []))


def redis(labels=LABELS, healthcheck=REDIS_HEALTH, **more):
    service = {"image": "redis:7", "labels": labels, **more}
    if healthcheck:
        service["healthcheck"] = healthcheck
    return service


def web(**more):
    return {"image": dockyard.SAMPLE_IMAGE, "init": True, "labels": LABELS, **more}


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex07-1: a service that reports its health

def test_ex07_1_rejects_redis_without_a_healthcheck(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis(healthcheck=None)}))
    assert failed(client, "ex07-1") == ["the redis container has a healthcheck",
                                        "the redis container is healthy"]


def test_ex07_1_rejects_a_service_of_another_name_on_an_unlabelled_network(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"cache": redis()}, labelled_network=False))
    assert failed(client, "ex07-1") == [
        "service redis of project dockyard-ex07-1 has a container",
        "the redis container carries the label dockyard.chapter=ex07",
        "the redis container runs the image redis:7", "the redis container is running",
        "the redis container has a healthcheck", "the redis container is healthy",
        "the networks of dockyard-ex07-1 carry the label dockyard.chapter=ex07"]


def test_ex07_1_rejects_an_unlabelled_container_whose_healthcheck_never_passes(client, tmp_path):
    never = {**REDIS_HEALTH, "test": ["CMD", "redis-cli", "-p", "1", "ping"]}
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis(labels={}, healthcheck=never)}), wait=False)
    assert failed(client, "ex07-1") == ["the redis container carries the label dockyard.chapter=ex07",
                                        "the redis container is healthy"]


def test_ex07_1_accepts_a_healthy_labelled_redis(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis()}))
    assert failed(client, "ex07-1") == []


# ex07-2: the app and its cache, started in order

WAITS = "web waits for redis to be healthy (depends_on, condition: service_healthy)"
LOOKUP = "inside web, getent hosts redis answers the redis container's address"
HELLO = "GET / on web's published port answers 200 Hello from Docker!"
URL = {"REDIS_URL": "redis://redis:6379/0"}
HEALTHY = {"redis": {"condition": "service_healthy"}}


def test_ex07_2_rejects_a_plain_start_order_a_fixed_port_and_no_redis_url(client, tmp_path):
    fixed = [f"127.0.0.1:{dockyard.free_port()}:5000"]
    up(write(tmp_path, "dockyard-ex07-2", {"redis": redis(), "web": web(ports=fixed, depends_on=["redis"])}))
    assert failed(client, "ex07-2") == ["web's REDIS_URL points at redis://redis:6379", WAITS,
                                        "Docker picked web's host port (none fixed in compose.yaml)"]


def test_ex07_2_rejects_containers_created_but_not_started_on_every_interface(client, tmp_path):
    # Created, never started: nothing listens on all interfaces during the test.
    services = {"redis": redis(), "web": web(ports=["5000"], environment=URL, depends_on=HEALTHY)}
    compose(write(tmp_path, "dockyard-ex07-2", services), "up", "--no-start")
    assert failed(client, "ex07-2") == [
        "the redis container is running", "the redis container is healthy", "the web container is running",
        "web publishes 5000/tcp on 127.0.0.1 only", LOOKUP, HELLO]


def test_ex07_2_rejects_web_and_redis_on_separate_networks(client, tmp_path):
    networks = {name: {"labels": LABELS} for name in ("front", "back")}
    services = {"redis": redis(networks=["back"]),
                "web": web(ports=LOCAL, environment=URL, depends_on=HEALTHY, networks=["front"])}
    up(write(tmp_path, "dockyard-ex07-2", services, networks=networks))
    assert failed(client, "ex07-2") == [LOOKUP]


def test_ex07_2_accepts_web_started_after_a_healthy_redis(client, tmp_path):
    services = {"redis": redis(), "web": web(ports=LOCAL, environment=URL, depends_on=HEALTHY)}
    up(write(tmp_path, "dockyard-ex07-2", services))
    assert failed(client, "ex07-2") == []


# ex07-3: data that outlives down

LOADED = "redis loaded its data from the append-only file when it started (up after a down)"
GET = "redis-cli GET dockyard:ex07-3 answers kept across down and up"
APPEND = ["redis-server", "--appendonly", "yes"]


def persistent(tmp_path):
    services = {"redis": redis(command=APPEND, volumes=["data:/data"])}
    return write(tmp_path, "dockyard-ex07-3", services, volumes={"data": {"labels": LABELS}})


def set_key(file):
    compose(file, "exec", "-T", "redis", "redis-cli", "SET", "dockyard:ex07-3", "'kept across down and up'")


def test_ex07_3_rejects_redis_without_a_volume_or_an_append_only_file(client, tmp_path):
    file = write(tmp_path, "dockyard-ex07-3", {"redis": redis()})
    up(file)
    set_key(file)
    assert failed(client, "ex07-3") == [
        "volume dockyard-ex07-3_data exists", "dockyard-ex07-3_data carries the label dockyard.chapter=ex07",
        "the redis container mounts dockyard-ex07-3_data at /data",
        "redis keeps an append-only file (CONFIG GET appendonly answers yes)", LOADED]


def test_ex07_3_rejects_a_key_set_in_a_container_that_never_went_down(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    assert failed(client, "ex07-3") == [LOADED]


def test_ex07_3_rejects_a_key_lost_with_down_v(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    compose(file, "down", "-v")
    up(file)
    assert failed(client, "ex07-3") == [LOADED, GET]


def test_ex07_3_accepts_a_key_that_came_back_after_down_and_up(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    compose(file, "down")
    up(file)
    assert failed(client, "ex07-3") == []


# ex07-4: notes that survive down and up

INIT_NOTE = "GET /notes on web's published port lists the note Created by init.sql."
POSTED_NOTE = "GET /notes on web's published port lists the note Written before down and up."
STARTED_ON_DATA = "the db container started on data an earlier one wrote (no initialisation in its logs)"


def test_ex07_4_rejects_redis_as_db_and_a_web_that_waits_for_nothing(client, tmp_path):
    services = {"db": redis(healthcheck=None), "web": web(ports=LOCAL, depends_on=["db"])}
    up(write(tmp_path, "dockyard-ex07-4", services))
    assert failed(client, "ex07-4") == [
        "the db container runs the image postgres:15", "the db container has a healthcheck",
        "the db container is healthy", "the db container keeps /var/lib/postgresql/data on a named volume",
        "that volume carries the label dockyard.chapter=ex07", "the web container has a healthcheck",
        "the web container is healthy",
        "web waits for db to be healthy (depends_on, condition: service_healthy)",
        "web's DATABASE_URL points at the host db", INIT_NOTE, POSTED_NOTE]


def test_ex07_4_accepts_the_posted_note_only_after_down_and_up(client, tmp_path):
    (tmp_path / "init.sql").write_text(
        "CREATE TABLE notes (id SERIAL PRIMARY KEY, text VARCHAR(200) NOT NULL);\n"
        "INSERT INTO notes (text) VALUES ('Created by init.sql.');\n")
    (tmp_path / ".env").write_text(
        "POSTGRES_USER=ex07\nPOSTGRES_PASSWORD=unit-test-only\nPOSTGRES_DB=notes\n")
    settings = {name: f"${{{name}}}" for name in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")}
    db = {"image": "postgres:15", "labels": LABELS, "environment": settings, "healthcheck": DB_HEALTH,
          "volumes": ["pgdata:/var/lib/postgresql/data",
                      "./init.sql:/docker-entrypoint-initdb.d/init.sql:ro"]}
    url = "postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db:5432/${POSTGRES_DB}"
    app = web(ports=LOCAL, healthcheck=WEB_HEALTH, depends_on={"db": {"condition": "service_healthy"}},
              environment={"DATABASE_URL": url})
    file = write(tmp_path, "dockyard-ex07-4", {"db": db, "web": app}, volumes={"pgdata": {"labels": LABELS}})
    up(file)
    # Freshly initialised, the note not yet posted: two conditions fail.
    assert failed(client, "ex07-4") == [STARTED_ON_DATA, POSTED_NOTE]
    address = compose(file, "port", "web", "5000").output.strip()
    posted = requests.post(f"http://{address}/notes", json={"text": "Written before down and up."},
                           timeout=10)
    assert posted.status_code == 201
    compose(file, "down")
    up(file)
    assert failed(client, "ex07-4") == []
