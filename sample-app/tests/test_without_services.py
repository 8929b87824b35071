"""Without REDIS_URL and DATABASE_URL the app still runs; only the routes that need them answer 503."""

import socket

import pytest


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_service_urls(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.mark.parametrize(("path", "variable"), [("/visits", "REDIS_URL"), ("/notes", "DATABASE_URL")])
def test_a_route_without_its_url_answers_503_naming_the_variable(client, path, variable):
    response = client.get(path)
    assert response.status_code == 503
    assert response.json["error"].startswith(f"{variable} is not set")


def test_posting_a_note_without_a_database_answers_503(client):
    response = client.post("/notes", json={"text": "hello"})
    assert response.status_code == 503
    assert "DATABASE_URL" in response.json["error"]


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 201}])
def test_a_note_must_have_1_to_200_characters(client, body):
    response = client.post("/notes", json=body)
    assert response.status_code == 400
    assert "1 to 200 characters" in response.json["error"]


def test_the_other_routes_do_not_need_the_services(client):
    assert client.get("/").text == "Hello from Docker!"
    assert client.get("/health").json == {"status": "ok"}


@pytest.mark.parametrize(("variable", "url", "path"), [
    ("REDIS_URL", "redis://127.0.0.1:{port}/0", "/visits"),
    ("DATABASE_URL", "postgresql://nobody:nothing@127.0.0.1:{port}/none", "/notes"),
])
def test_a_service_that_does_not_answer_gives_503_not_a_crash(client, monkeypatch, variable, url, path):
    monkeypatch.setenv(variable, url.format(port=closed_port()))
    response = client.get(path)
    assert response.status_code == 503
    assert "does not answer" in response.json["error"]
