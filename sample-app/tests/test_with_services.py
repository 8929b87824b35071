"""The app against real Redis and PostgreSQL servers, started in containers by the `servers` fixture."""

import pytest


@pytest.fixture
def connected(client, servers, monkeypatch):
    for variable, url in servers.items():
        monkeypatch.setenv(variable, url)
    return client


def test_visits_count_up(connected):
    first = connected.get("/visits")
    second = connected.get("/visits")
    assert first.status_code == second.status_code == 200
    assert second.json["visits"] == first.json["visits"] + 1


def test_a_note_written_is_listed(connected):
    created = connected.post("/notes", json={"text": "  buy milk  "})
    assert created.status_code == 201
    assert created.json["text"] == "buy milk"
    listed = connected.get("/notes")
    assert listed.status_code == 200
    assert {"id": created.json["id"], "text": "buy milk"} in listed.json["notes"]


def test_a_form_body_works_too_and_notes_keep_their_order(connected):
    ids = [connected.post("/notes", data={"text": text}).json["id"] for text in ("first", "second")]
    assert ids[1] > ids[0]
    notes = connected.get("/notes").json["notes"]
    assert [note["id"] for note in notes] == sorted(note["id"] for note in notes)
    assert [note["text"] for note in notes if note["id"] in ids] == ["first", "second"]
