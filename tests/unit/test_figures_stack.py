"""The Compose stack figure: drawn from plain data, and read from a small real project."""

import json
import subprocess

import pytest

import dockyard
from dockyard.figures import stack
from dockyard.figures.style import png

WEB = {"service": "web", "containers": ["p-web-1"], "state": "running", "health": "starting",
       "ports": ["127.0.0.1:32771->5000/tcp"], "networks": ["p_default"], "mounts": [],
       "depends_on": [("db", "service_healthy"), ("redis", "service_healthy")]}
DB = {"service": "db", "containers": ["p-db-1"], "state": "running", "health": "healthy", "ports": [],
      "networks": ["p_default"], "depends_on": [],
      "mounts": [{"type": "volume", "name": "p_postgres_data", "target": "/var/lib/postgresql/data"},
                 {"type": "bind", "name": "./db/init.sql", "target": "/docker-entrypoint-initdb.d/init.sql"}]}
REDIS = {"service": "redis", "containers": ["p-redis-1"], "state": "exited", "health": None, "ports": [],
         "networks": ["p_default"], "depends_on": [],
         "mounts": [{"type": "volume", "name": "p_redis_data", "target": "/data"}]}


def texts(fig):
    found = [text.get_text() for ax in fig.axes for text in ax.texts]
    assert png(fig).startswith(b"\x89PNG")
    return found


def test_the_figure_shows_services_order_network_volumes_and_ports():
    drawn = texts(stack.stack_figure([WEB, DB, REDIS], "p"))
    assert "Compose project p" in drawn
    assert {"web", "db", "redis", "network p_default", "this\nmachine"} <= set(drawn)
    assert "p-web-1\nrunning, starting" in drawn and "p-redis-1\nexited, no healthcheck" in drawn
    assert drawn.count("waits until healthy") == 2
    assert "127.0.0.1:32771 → 5000/tcp" in drawn
    assert "volume p_postgres_data\n→ /var/lib/postgresql/data" in drawn
    assert "bind mount ./db/init.sql\n→ /docker-entrypoint-initdb.d/init.sql" in drawn


def test_a_service_sits_a_row_below_the_services_that_wait_for_it():
    assert stack._levels([WEB, DB, REDIS]) == {"web": 0, "db": 1, "redis": 1}
    chain = [{**WEB, "service": "a", "depends_on": [("b", "service_started")]},
             {**WEB, "service": "b", "depends_on": [("c", "service_started")]},
             {**WEB, "service": "c", "depends_on": []}]
    assert stack._levels(chain) == {"a": 0, "b": 1, "c": 2}
    boxes = stack._place(chain, stack._levels(chain), top=5)
    assert boxes["a"][1] > boxes["b"][1] > boxes["c"][1]


def test_a_scaled_service_is_one_box_with_its_count():
    scaled = {**WEB, "containers": ["p-web-1", "p-web-2", "p-web-3"],
              "ports": ["127.0.0.1:1->5000/tcp", "127.0.0.1:2->5000/tcp", "127.0.0.1:3->5000/tcp"]}
    drawn = texts(stack.stack_figure([scaled, DB, REDIS]))
    assert "3 containers\nrunning, starting" in drawn and "3 published ports" in drawn


def test_depends_on_is_read_in_a_stable_order():
    assert stack._depends_on("redis:service_healthy:false,db:service_healthy:false") == [
        ("db", "service_healthy"), ("redis", "service_healthy")]
    assert stack._depends_on("") == []


def test_describe_says_state_health_and_order():
    assert stack.describe([WEB, DB, REDIS]) == (
        "Compose stack: web (running, starting) waits for db and redis; db (running, healthy); "
        "redis (exited).")


COMPOSE = """\
services:
  app:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
    ports: ["127.0.0.1::8080"]
    depends_on:
      store: {{condition: service_healthy}}
    volumes: ["./seed.txt:/seed.txt:ro"]
    labels: {{dockyard.chapter: {label}}}
  store:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
    volumes: ["data:/data"]
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
    labels: {{dockyard.chapter: {label}}}
networks:
  default: {{labels: {{dockyard.chapter: {label}}}}}
volumes:
  data: {{labels: {{dockyard.chapter: {label}}}}}
"""


@pytest.fixture
def project(client, unique, tmp_path):
    """A two-service Compose project of this test's own, up and healthy, then removed."""
    (tmp_path / "compose.yaml").write_text(COMPOSE.format(label=unique))
    (tmp_path / "seed.txt").write_text("seed\n")
    base = ["docker", "compose", "--ansi", "never", "-f", str(tmp_path / "compose.yaml"), "-p", unique]
    subprocess.run([*base, "up", "-d", "--wait", "--wait-timeout", "60"], check=True, capture_output=True)
    try:
        text = subprocess.run([*base, "ps", "--all", "--format", "json"], check=True, capture_output=True,
                              text=True).stdout.strip()
        yield unique, [json.loads(line) for line in text.splitlines()]
    finally:
        subprocess.run([*base, "down", "-v"], check=True, capture_output=True)
        dockyard.cleanup(client, unique)


def test_read_stack_reads_a_running_project(client, project):
    name, rows = project
    services = {entry["service"]: entry for entry in stack.read_stack(client, rows)}
    app, store = services["app"], services["store"]
    assert app["containers"] == [f"{name}-app-1"] and app["state"] == "running"
    assert app["health"] is None and store["health"] == "healthy"
    assert app["depends_on"] == [("store", "service_healthy")]
    assert app["networks"] == store["networks"] == [f"{name}_default"]
    assert app["ports"][0].startswith("127.0.0.1:") and app["ports"][0].endswith("->8080/tcp")
    assert app["mounts"] == [{"type": "bind", "name": "./seed.txt", "target": "/seed.txt"}]
    assert store["mounts"] == [{"type": "volume", "name": f"{name}_data", "target": "/data"}]
    entries = list(services.values())
    assert "store (running, healthy)" in stack.describe(entries)
    assert {"app", "store", f"network {name}_default"} <= set(texts(stack.stack_figure(entries)))
