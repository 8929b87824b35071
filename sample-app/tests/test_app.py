def test_root_greets(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello from Docker!"


def test_health_reports_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404
