"""The Compose checks: wrong or missing work fails by its condition; the right work passes.

Each state is a real Compose project, brought up with the `docker compose` CLI from a file written here,
as a learner writes it: no course label anywhere. The project names (`dockyard-ex07-N`) are what the
course's clean-up finds them by.
"""

import shutil
import time

import pytest
import requests
import yaml
from exercise_support import failed
from image_support import prune

import dockyard
from dockyard.compose import stop_watch, watch, watch_log
from dockyard.shell import run
from dockyard.waiting import until
from dockyard.web import wait_for_text

pytestmark = pytest.mark.chapter_lock("ex07")  # ex07's state on the engine is this test's alone
PROJECTS = [f"dockyard-ex07-{n}" for n in range(1, 6)]
REDIS_HEALTH = {"test": ["CMD", "redis-cli", "ping"], "interval": "1s", "timeout": "3s", "retries": 30}
WEB_HEALTH = {"test": ["CMD", "python", "-c",
                       "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health')"],
              "interval": "1s", "timeout": "3s", "retries": 30}
DB_HEALTH = {"test": ["CMD-SHELL", 'pg_isready -h 127.0.0.1 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"'],
             "interval": "1s", "timeout": "3s", "retries": 60}
ALWAYS = {"test": ["CMD", "true"], "interval": "1s", "timeout": "3s", "retries": 30}
LOCAL = ["127.0.0.1::5000"]
EMPTY = {
    "ex07-1": "service redis of project dockyard-ex07-1 has a container",
    "ex07-2": "service web of project dockyard-ex07-2 has a container",
    "ex07-3": "volume dockyard-ex07-3_data exists",
    "ex07-4": "service db of project dockyard-ex07-4 has a container",
    "ex07-5": "service web of project dockyard-ex07-5 has a container",
}


@pytest.fixture(scope="module", autouse=True)
def sample(client):
    return dockyard.sample_image(client)


def down(client):
    """`docker compose down -v` for each project that has anything left."""
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


def write(folder, name, services, volumes=None, networks=None):
    """A compose.yaml for project `name` in `folder`, as a learner writes it (no labels)."""
    document = {"name": name, "services": services}
    if networks:
        document["networks"] = networks
    if volumes:
        document["volumes"] = volumes
    folder.mkdir(exist_ok=True)
    (folder / "compose.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return folder / "compose.yaml"


def compose(file, *args):
    return run(f"docker compose --progress quiet -f {file} " + " ".join(args), timeout=180)


def up(file, wait=True):
    return compose(file, "up", "-d", *(["--wait", "--wait-timeout", "120"] if wait else []))


def redis(healthcheck=REDIS_HEALTH, **more):
    service = {"image": "redis:7", **more}
    if healthcheck:
        service["healthcheck"] = healthcheck
    return service


def web(**more):
    return {"image": dockyard.SAMPLE_IMAGE, "init": True, **more}


def get(file, path, method="get", ready=True, **options):
    """A request to web's published port, asked again while the app does not listen yet, and with `ready`
    while it answers 503 (the service it needs is not ready yet)."""
    address = compose(file, "port", "web", "5000").output.strip()
    deadline = time.monotonic() + 60
    while True:
        try:
            response = requests.request(method, f"http://{address}{path}", timeout=10, **options)
            if not ready or response.status_code < 500 or time.monotonic() > deadline:
                return response
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


@pytest.mark.parametrize("task_id", sorted(EMPTY))
def test_an_empty_engine_fails_every_task(client, task_id):
    assert EMPTY[task_id] in failed(client, task_id)


# ex07-1: a service that reports its health

HAS_CHECK = "the redis container has a healthcheck"
HEALTHY = "the redis container is healthy"
ASKS_REDIS = ("the redis container's healthcheck fails when Redis does not answer (tried where Redis does "
              "not run)")


def test_ex07_1_rejects_redis_without_a_healthcheck(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis(healthcheck=None)}))
    assert failed(client, "ex07-1") == [HAS_CHECK, HEALTHY, ASKS_REDIS]


def test_ex07_1_rejects_a_service_of_another_name(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"cache": redis()}))
    assert failed(client, "ex07-1") == [
        "service redis of project dockyard-ex07-1 has a container",
        "the redis container runs the image redis:7", "the redis container is running", HAS_CHECK, HEALTHY,
        ASKS_REDIS]


def test_ex07_1_rejects_a_healthcheck_that_never_passes(client, tmp_path):
    never = {**REDIS_HEALTH, "test": ["CMD", "redis-cli", "-p", "1", "ping"]}
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis(healthcheck=never)}), wait=False)
    assert failed(client, "ex07-1") == [HEALTHY]


def test_ex07_1_rejects_a_healthcheck_that_passes_without_redis(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis(healthcheck=ALWAYS)}))
    assert failed(client, "ex07-1") == [ASKS_REDIS]


def test_ex07_1_accepts_a_healthy_redis(client, tmp_path):
    up(write(tmp_path, "dockyard-ex07-1", {"redis": redis()}))
    assert failed(client, "ex07-1") == []


def test_ex07_1_unlabelled_is_the_courses_by_its_project_name(client, tmp_path, unique):
    """A file with no course label passes, and the chapter's clean-up removes the project (its container
    and network, named after it), leaving a learner's own unlabelled container running."""
    mine = client.containers.run("debian:bookworm-slim", ["sleep", "120"], name=f"{unique}-mine", detach=True)
    try:
        up(write(tmp_path, "dockyard-ex07-1", {"redis": redis()}))
        assert failed(client, "ex07-1") == []
        removed = dockyard.cleanup(client, "ex07")
        assert {"container dockyard-ex07-1-redis-1", "network dockyard-ex07-1_default"} <= set(removed)
        assert not client.containers.list(all=True, filters={"label": "com.docker.compose.project"
                                                             "=dockyard-ex07-1"})
        mine.reload()
        assert mine.status == "running"
    finally:
        mine.remove(force=True)


# ex07-2: the app and its cache, started in order

URL = {"REDIS_URL": "redis://redis:6379/0"}
WAITS_HEALTHY = {"redis": {"condition": "service_healthy"}}
NO_URL = "web's REDIS_URL points at redis://redis:6379"
WAITS = "web waits for redis to be healthy (depends_on, condition: service_healthy)"
PICKED = "Docker picked web's host port (none fixed in compose.yaml)"
LOOKUP = "inside web, getent hosts redis answers the redis container's address"
HELLO = "GET / on web's published port answers 200 Hello from Docker!"
VISITS = ("redis holds the count of web's visits (GET /visits reached it: redis-cli GET visits answers 1 or "
          "more)")


def test_ex07_2_rejects_a_plain_start_order_a_fixed_port_and_no_redis_url(client, tmp_path):
    fixed = [f"127.0.0.1:{dockyard.free_port()}:5000"]
    services = {"redis": redis(), "web": web(ports=fixed, depends_on=["redis"])}
    file = write(tmp_path, "dockyard-ex07-2", services)
    up(file)
    assert get(file, "/visits", ready=False).status_code == 503  # REDIS_URL is not set
    assert failed(client, "ex07-2") == [NO_URL, WAITS, PICKED, VISITS]


def test_ex07_2_rejects_containers_created_but_not_started_on_every_interface(client, tmp_path):
    # Created, never started: nothing listens on all interfaces during the test.
    services = {"redis": redis(), "web": web(ports=["5000"], environment=URL, depends_on=WAITS_HEALTHY)}
    compose(write(tmp_path, "dockyard-ex07-2", services), "up", "--no-start")
    assert failed(client, "ex07-2") == [
        "the redis container is running", "the redis container is healthy", "the web container is running",
        "web publishes 5000/tcp on 127.0.0.1 only", LOOKUP, HELLO, VISITS]


def test_ex07_2_rejects_web_and_redis_on_separate_networks(client, tmp_path):
    services = {"redis": redis(networks=["back"]),
                "web": web(ports=LOCAL, environment=URL, depends_on=WAITS_HEALTHY, networks=["front"])}
    file = write(tmp_path, "dockyard-ex07-2", services, networks={"front": {}, "back": {}})
    up(file)
    assert get(file, "/visits", ready=False).status_code == 503  # web cannot reach redis
    assert failed(client, "ex07-2") == [LOOKUP, VISITS]


def test_ex07_2_rejects_a_redis_healthcheck_that_passes_without_redis(client, tmp_path):
    services = {"redis": redis(healthcheck=ALWAYS),
                "web": web(ports=LOCAL, environment=URL, depends_on=WAITS_HEALTHY)}
    file = write(tmp_path, "dockyard-ex07-2", services)
    up(file)
    assert get(file, "/visits").json() == {"visits": 1}
    assert failed(client, "ex07-2") == [ASKS_REDIS]


def test_ex07_2_accepts_web_started_after_a_healthy_redis(client, tmp_path):
    services = {"redis": redis(), "web": web(ports=LOCAL, environment=URL, depends_on=WAITS_HEALTHY)}
    file = write(tmp_path, "dockyard-ex07-2", services)
    up(file)
    assert get(file, "/visits").json() == {"visits": 1}
    assert failed(client, "ex07-2") == []


# ex07-3: data that outlives down

LOADED = "redis loaded its data from the append-only file when it started (up after a down)"
NEWER = ("the redis container is newer than its data: the append-only files on /data were last written "
         "before it was created (down and up, not restart)")
NO_WRITE = ("nothing was written to the redis running now (INFO commandstats: no SET since it started): "
            "the key came from the file")
GET = "redis-cli GET dockyard:ex07-3 answers kept across down and up"
APPEND = ["redis-server", "--appendonly", "yes"]


def persistent(tmp_path):
    services = {"redis": redis(command=APPEND, volumes=["data:/data"])}
    return write(tmp_path, "dockyard-ex07-3", services, volumes={"data": {}})


def set_key(file):
    compose(file, "exec", "-T", "redis", "redis-cli", "SET", "dockyard:ex07-3", "'kept across down and up'")


def test_ex07_3_rejects_redis_without_a_volume_or_an_append_only_file(client, tmp_path):
    file = write(tmp_path, "dockyard-ex07-3", {"redis": redis()})
    up(file)
    set_key(file)
    assert failed(client, "ex07-3") == [
        "volume dockyard-ex07-3_data exists", "the redis container mounts dockyard-ex07-3_data at /data",
        "redis keeps an append-only file (CONFIG GET appendonly answers yes)", LOADED, NEWER, NO_WRITE]


def test_ex07_3_rejects_a_key_set_in_a_container_that_never_went_down(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    assert failed(client, "ex07-3") == [LOADED, NEWER, NO_WRITE]


def test_ex07_3_rejects_restart_in_place_of_down_and_up(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    compose(file, "restart", "redis")
    assert failed(client, "ex07-3") == [NEWER]


def test_ex07_3_rejects_a_key_set_after_down_and_up(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    compose(file, "down")
    up(file)
    set_key(file)
    assert failed(client, "ex07-3") == [NEWER, NO_WRITE]


def test_ex07_3_rejects_a_key_lost_with_down_v(client, tmp_path):
    file = persistent(tmp_path)
    up(file)
    set_key(file)
    compose(file, "down", "-v")
    up(file)
    assert failed(client, "ex07-3") == [LOADED, NEWER, GET]


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
INIT_SCRIPT = ("the db container has an init script in /docker-entrypoint-initdb.d/ that writes the note "
               "Created by init.sql.")
BEFORE_DOWN = ("the note Written before down and up. was saved before the database last shut down (POST, "
               "then down and up)")
ASKS_POSTGRES = ("the db container's healthcheck fails when PostgreSQL does not answer (tried where "
                 "PostgreSQL does not run)")
SETTINGS = {name: f"${{{name}}}" for name in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")}
DATABASE_URL = "postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db:5432/${POSTGRES_DB}"


def stack(tmp_path, init_script=True, db_health=DB_HEALTH):
    """The reference stack: db on a named volume with its init script, web waiting for it."""
    (tmp_path / "init.sql").write_text(
        "CREATE TABLE notes (id SERIAL PRIMARY KEY, text VARCHAR(200) NOT NULL);\n"
        "INSERT INTO notes (text) VALUES ('Created by init.sql.');\n")
    (tmp_path / ".env").write_text(
        "POSTGRES_USER=ex07\nPOSTGRES_PASSWORD=unit-test-only\nPOSTGRES_DB=notes\n")
    volumes = ["pgdata:/var/lib/postgresql/data"]
    if init_script:
        volumes.append("./init.sql:/docker-entrypoint-initdb.d/init.sql:ro")
    db = {"image": "postgres:15", "environment": SETTINGS, "healthcheck": db_health, "volumes": volumes}
    app = web(ports=LOCAL, healthcheck=WEB_HEALTH, depends_on={"db": {"condition": "service_healthy"}},
              environment={"DATABASE_URL": DATABASE_URL})
    return write(tmp_path, "dockyard-ex07-4", {"db": db, "web": app}, volumes={"pgdata": {}})


def post(file, text):
    response = get(file, "/notes", method="post", json={"text": text})
    assert response.status_code == 201, response.text


def test_ex07_4_rejects_redis_as_db_and_a_web_that_waits_for_nothing(client, tmp_path):
    services = {"db": redis(healthcheck=None), "web": web(ports=LOCAL, depends_on=["db"])}
    up(write(tmp_path, "dockyard-ex07-4", services))
    assert failed(client, "ex07-4") == [
        "the db container runs the image postgres:15", "the db container has a healthcheck",
        "the db container is healthy", ASKS_POSTGRES,
        "the db container keeps /var/lib/postgresql/data on a named volume", INIT_SCRIPT,
        "the web container has a healthcheck", "the web container is healthy",
        "the web container's healthcheck fails when the app does not answer (tried where the app does not "
        "run)",
        "web waits for db to be healthy (depends_on, condition: service_healthy)",
        "web's DATABASE_URL points at the host db", INIT_NOTE, POSTED_NOTE, BEFORE_DOWN]


def test_ex07_4_rejects_the_init_note_posted_through_the_app_and_a_db_check_that_asks_nothing(client,
                                                                                              tmp_path):
    file = stack(tmp_path, init_script=False, db_health=ALWAYS)
    up(file)
    post(file, "Created by init.sql.")  # the app creates the table itself when it is missing
    post(file, "Written before down and up.")
    compose(file, "down")
    up(file)
    assert get(file, "/notes").status_code == 200
    assert failed(client, "ex07-4") == [ASKS_POSTGRES, INIT_SCRIPT]


def test_ex07_4_rejects_a_note_posted_after_down_and_up(client, tmp_path):
    file = stack(tmp_path)
    up(file)
    compose(file, "down")
    up(file)
    post(file, "Written before down and up.")
    assert failed(client, "ex07-4") == [BEFORE_DOWN]


def test_ex07_4_accepts_the_posted_note_only_after_down_and_up(client, tmp_path):
    file = stack(tmp_path)
    up(file)
    # Freshly initialised, the note not yet posted.
    assert failed(client, "ex07-4") == [STARTED_ON_DATA, POSTED_NOTE, BEFORE_DOWN]
    post(file, "Written before down and up.")
    compose(file, "down")
    up(file)
    assert failed(client, "ex07-4") == []


# ex07-5: the watch loop

WATCHED = "dockyard-ex07-5"
SYNCS = "web's develop: watch: syncs app.py into the running container (sync or sync+restart)"
REBUILDS = "web's develop: watch: rebuilds the image when requirements.txt changes (rebuild)"
NOT_MOUNTED = "nothing is mounted over /app (Compose copies the edits in; no bind mount)"
RUNS_MINE = ("/app/app.py, the file the app runs, is your app.py (the sync's target is where the app runs "
             "from)")
NEW_HELLO = "GET / on web's published port answers 200 Hello from watch!"
IMAGE_OLD = ("the image web runs still says Hello from Docker! in app.py: the edit reached the container, "
             "not the image")
SAME = ("the web container was created before your last change to app.py: the same container serves the "
        "edit (no rebuild, no new container)")
SYNC_CODE = {"action": "sync+restart", "path": "./app/app.py", "target": "/app/app.py"}
REBUILD_PINS = {"action": "rebuild", "path": "./app/requirements.txt"}


@pytest.fixture
def watched(client, tmp_path):
    """Run the project of `tmp_path/compose.yaml` (web built from a copy of the sample app in
    `tmp_path/app`) under `docker compose watch`, change app.py's greeting, and stop the watch."""
    shutil.copytree(dockyard.SAMPLE_APP, tmp_path / "app", ignore=shutil.ignore_patterns(".env"))
    log = tmp_path / "watch.log"

    def run_and_edit(**more):
        service = {"build": "./app", "image": "dockyard/ex07-5-web:1", "init": True, "ports": LOCAL, **more}
        file = write(tmp_path, WATCHED, {"web": service})
        up(file)
        url = lambda: "http://" + compose(file, "port", "web", "5000").output.strip()  # noqa: E731
        wait_for_text(url, "Hello from Docker!")  # the app runs (and Flask's reloader follows its files)
        time.sleep(1)
        if "develop" in more:
            watch(log, "--no-up", "--quiet", files=[file], project=WATCHED)
        code = tmp_path / "app" / "app.py"
        code.write_text(code.read_text().replace("Hello from Docker!", "Hello from watch!"))
        return url

    yield run_and_edit
    stop_watch(log)
    prune(client, {"dangling": True, "label": [f"com.docker.compose.project={WATCHED}"]})


def test_ex07_5_rejects_a_bind_mount_with_the_reloader_in_place_of_watch(client, watched):
    url = watched(volumes=["./app:/app"], environment={"FLASK_DEBUG": "1"})
    wait_for_text(url, "Hello from watch!")  # Flask's reloader restarted the server in the same container
    assert failed(client, "ex07-5") == [SYNCS, REBUILDS, NOT_MOUNTED]


def test_ex07_5_rejects_a_sync_to_a_path_the_app_does_not_run(client, tmp_path, watched):
    watched(develop={"watch": [{**SYNC_CODE, "target": "/srv/app.py"}, REBUILD_PINS]})
    until(lambda: "restarted" in "\n".join(watch_log(tmp_path / "watch.log")), timeout=60, interval=0.2,
          error="the watch did not restart web")
    assert failed(client, "ex07-5") == [RUNS_MINE, NEW_HELLO]


def test_ex07_5_accepts_a_synced_edit_served_by_the_same_container(client, watched):
    url = watched(develop={"watch": [SYNC_CODE, REBUILD_PINS]})
    wait_for_text(url, "Hello from watch!")
    assert failed(client, "ex07-5") == []


def test_ex07_5_rejects_a_rebuild_for_the_code(client, watched):
    url = watched(develop={"watch": [{"action": "rebuild", "path": "./app"}]})
    wait_for_text(url, "Hello from watch!", timeout=180)  # served by a new container, from a new image
    assert failed(client, "ex07-5") == [SYNCS, IMAGE_OLD, SAME]
