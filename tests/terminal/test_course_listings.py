"""The listings a newcomer finds in most Docker tutorials, typed as printed against `sample-app/`.

Each Dockerfile below is the one such a tutorial prints, character for character, built in a copy of the
sample app as `docker build` builds it (BuildKit). Where one works, the test runs it and asks the app;
where one does not, the test shows what fails and that the one change the book gives fixes it, and the
page that teaches it says so. Two things differ from what is typed, and only in the command lines: the
image's name (the course's own, with its label, so a learner's `my-python-app` is never touched) and a
published port on `127.0.0.1` with a port Docker picks (`-p 5000:5000` would publish on every interface,
which the course's safety rules refuse on a shared machine, and fails when 5000 is taken). The Compose
file is read, not started: its `redis:7-alpine` is not among the course's offline images, and its
`5000:5000` and `6379:6379` publish on every interface; the Compose chapter teaches both.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import docker
import pytest

import dockyard
from dockyard.ports import LOOPBACK
from dockyard.shell import REPO
from dockyard.stores import unpacked_size
from dockyard.web import wait_for_text

# The first Dockerfile such tutorials print is sample-app/Dockerfile itself, which every chapter builds.
FIRST = (REPO / "sample-app" / "Dockerfile").read_text()

INSTRUCTIONS = """\
# FROM - Base image to start from
FROM python:3.11-slim

# WORKDIR - Set working directory (created if doesn't exist)
WORKDIR /app

# COPY - Copy files from host to container
COPY . .

# RUN - Execute commands during build (creates a new layer)
RUN pip install -r requirements.txt
RUN apt-get update && apt-get install -y curl

# ENV - Set environment variables
ENV FLASK_ENV=production
ENV DATABASE_URL=postgres://localhost/db

# EXPOSE - Document which port the container listens on
EXPOSE 5000

# CMD - Default command to run (can be overridden)
CMD ["python", "app.py"]

# ENTRYPOINT - Command that always runs (harder to override)
ENTRYPOINT ["python"]
CMD ["app.py"]  # Default argument to ENTRYPOINT
"""

PRODUCTION = """\
# Dockerfile for Production
FROM python:3.11-slim as base

# Prevents Python from writing .pyc files
ENV PYTHONDONTWRITEBYTECODE=1
# Keeps Python from buffering stdout/stderr
ENV PYTHONUNBUFFERED=1

WORKDIR /app

# Install system dependencies
RUN apt-get update && apt-get install -y \\
    gcc \\
    libpq-dev \\
    && rm -rf /var/lib/apt/lists/*

# Create non-root user for security
RUN adduser --disabled-password --gecos '' appuser

# Install Python dependencies
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Copy application code
COPY --chown=appuser:appuser . .

# Switch to non-root user
USER appuser

EXPOSE 8000

# Use gunicorn for production
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "app:app"]
"""

MULTI_STAGE = """\
# Multi-stage Dockerfile
# Stage 1: Build
FROM python:3.11 as builder

WORKDIR /app
COPY requirements.txt .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /app/wheels -r requirements.txt

# Stage 2: Production
FROM python:3.11-slim

WORKDIR /app

# Copy only the wheels from builder stage
COPY --from=builder /app/wheels /wheels
RUN pip install --no-cache /wheels/*

COPY . .

CMD ["python", "app.py"]

# Result: Much smaller production image!
"""

DOCKERIGNORE = """\
# .dockerignore
.git
.gitignore
__pycache__
*.pyc
.env
.venv
venv
*.md
.pytest_cache
.coverage
htmlcov
"""

COMPOSE = """\
# docker-compose.yml
version: '3.8'

services:
  web:
    build: .
    ports:
      - "5000:5000"
    environment:
      - DATABASE_URL=postgresql://user:pass@db:5432/myapp
      - REDIS_URL=redis://redis:6379
    depends_on:
      - db
      - redis
    volumes:
      - .:/app  # Mount current directory for development

  db:
    image: postgres:15
    environment:
      - POSTGRES_USER=user
      - POSTGRES_PASSWORD=pass
      - POSTGRES_DB=myapp
    volumes:
      - postgres_data:/var/lib/postgresql/data

  redis:
    image: redis:7-alpine
    ports:
      - "6379:6379"

volumes:
  postgres_data:
"""

AS_CASING = "FromAsCasing"


def warns_on_as(client) -> bool:
    """Whether this engine's builds run BuildKit's build checks (Engine 27 and later; the Multi-stage
    chapter says so), which warn about `as` in lower case."""
    return int(client.version()["Version"].split(".")[0]) >= 27


@pytest.fixture(scope="module")
def label(module_label):
    """One label for everything this module creates; all of it goes at the end (tests/conftest.py)."""
    return module_label


@pytest.fixture
def project(tmp_path):
    """A copy of the sample app, as a learner's project folder, without its .dockerignore and tests."""
    folder = tmp_path / "my-python-app"
    shutil.copytree(REPO / "sample-app", folder, ignore=shutil.ignore_patterns(".dockerignore", "tests"))
    return folder


def build(project, dockerfile: str, label: str, tag: str):
    (project / "Dockerfile").write_text(dockerfile)
    return dockyard.build(f"docker build --label {dockyard.LABEL}={label} -t {tag} {project}", show=False)


def serve(client, tag: str, label: str, port: int = 5000) -> str:
    """Run the image as `docker run -d -p 127.0.0.1::PORT` does; return the app's answer to /."""
    container = client.containers.run(tag, detach=True, labels={dockyard.LABEL: label},
                                      ports={f"{port}/tcp": (LOOPBACK, None)})
    container.reload()
    host_port = container.ports[f"{port}/tcp"][0]["HostPort"]
    try:
        return wait_for_text(lambda: f"http://127.0.0.1:{host_port}", "Hello").text
    finally:
        container.remove(force=True)


def page(name: str) -> str:
    """The prose of a chapter, its Markdown cells joined."""
    notebook = json.loads((REPO / "chapters" / f"{name}.ipynb").read_text())
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")


def test_a_comment_after_cmd_makes_it_a_shell_command_and_on_its_own_line_it_works(client, project, label):
    build(project, INSTRUCTIONS, label, "dockyard/listing-instructions:1")
    config = client.images.get("dockyard/listing-instructions:1").attrs["Config"]
    # Not a JSON array any more, so the shell form: the comment is part of the command.
    assert config["Entrypoint"] == ["python"]
    assert config["Cmd"] == ["/bin/sh", "-c", '["app.py"]  # Default argument to ENTRYPOINT']
    container = client.containers.run("dockyard/listing-instructions:1", detach=True,
                                      labels={dockyard.LABEL: label})
    try:
        assert container.wait(timeout=60)["StatusCode"] != 0  # python /bin/sh -c ...: not a Python file
    finally:
        container.remove(force=True)
    fixed = INSTRUCTIONS.replace('CMD ["app.py"]  # Default argument to ENTRYPOINT',
                                 '# Default argument to ENTRYPOINT\nCMD ["app.py"]')
    build(project, fixed, label, "dockyard/listing-instructions:2")
    assert client.images.get("dockyard/listing-instructions:2").attrs["Config"]["Cmd"] == ["app.py"]
    assert serve(client, "dockyard/listing-instructions:2", label) == "Hello from Docker!"
    assert "comment" in page("04-dockerfile") and '# Default argument' in page("04-dockerfile")


def test_the_production_dockerfile_warns_on_as_and_needs_gunicorn_in_its_requirements(client, project, label):
    built = build(project, PRODUCTION, label, "dockyard/listing-production:1")
    assert (AS_CASING in built.log) == warns_on_as(client)
    # The image builds, and the container cannot start: requirements.txt installs no Gunicorn.
    with pytest.raises(docker.errors.APIError, match=r'"gunicorn": executable file not found in \$PATH'):
        client.containers.run("dockyard/listing-production:1", detach=True, labels={dockyard.LABEL: label},
                              ports={"8000/tcp": (LOOPBACK, None)})
    for container in client.containers.list(all=True, filters={"label": f"{dockyard.LABEL}={label}"}):
        container.remove(force=True)
    # The one change: Gunicorn in the requirements the image installs (and AS, for the warning).
    pins = project / "requirements.txt"
    pins.write_text(pins.read_text() + "gunicorn==23.0.0\n")
    fixed = build(project, PRODUCTION.replace(" as base", " AS base"), label, "dockyard/listing-production:2")
    assert AS_CASING not in fixed.log
    assert client.images.get("dockyard/listing-production:2").attrs["Config"]["User"] == "appuser"
    assert serve(client, "dockyard/listing-production:2", label, port=8000) == "Hello from Docker!"
    assert "gunicorn" in page("09-production") and "executable file not found" in page("09-production")


def test_the_multi_stage_dockerfile_warns_on_as_and_serves_from_a_much_smaller_image(client, project, label):
    built = build(project, MULTI_STAGE, label, "dockyard/listing-multi-stage:1")
    assert (AS_CASING in built.log) == warns_on_as(client)
    assert serve(client, "dockyard/listing-multi-stage:1", label) == "Hello from Docker!"
    final = unpacked_size(client.images.get("dockyard/listing-multi-stage:1"))
    assert final < unpacked_size(client.images.get("python:3.11")) / 2
    assert AS_CASING in page("08-multi-stage")


def test_the_dockerignore_keeps_root_files_out_but_not_nested_bytecode(client, project, label):
    (project / ".dockerignore").write_text(DOCKERIGNORE)
    planted = (".env", "NOTES.md", "__pycache__/app.cpython-311.pyc", "pkg/__pycache__/mod.cpython-311.pyc")
    for name in planted:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("x\n")
    build(project, FIRST, label, "dockyard/listing-dockerignore:1")
    listed = client.containers.run("dockyard/listing-dockerignore:1", ["find", "/app", "-name", "*"],
                                   remove=True, labels={dockyard.LABEL: label}).decode().split()
    assert "/app/app.py" in listed and "/app/.env.example" in listed
    assert not {"/app/.env", "/app/NOTES.md", "/app/__pycache__"} & set(listed)
    assert "/app/pkg/__pycache__/mod.cpython-311.pyc" in listed  # `__pycache__` matches at the root only
    assert "**/__pycache__" in page("04-dockerfile")


def test_the_compose_file_is_read_when_named_with_a_warning_that_version_is_obsolete(project):
    (project / "docker-compose.yml").write_text(COMPOSE)

    def config(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "compose", *files, "-p", "dockyard-listings", "config", "--format",
                               "json"], cwd=project, capture_output=True, text=True, timeout=60)

    # Beside the sample app's compose.yaml, `docker compose` alone reads that one, and says so.
    found = config()
    assert "Found multiple config files with supported names" in found.stderr
    assert f"Using {project / 'compose.yaml'}" in found.stderr
    named = config("-f", "docker-compose.yml")
    assert named.returncode == 0, named.stderr
    assert "version` is obsolete" in named.stderr
    model = json.loads(named.stdout)
    assert set(model["services"]) == {"web", "db", "redis"}
    assert model["services"]["redis"]["image"] == "redis:7-alpine"
    prose = page("07-compose")
    assert "multiple config files" in prose and "redis:7-alpine" in prose and "5000:5000" in prose


def test_postgres_without_a_password_stops_at_once(client, label):
    container = client.containers.run("postgres:15", detach=True, labels={dockyard.LABEL: label})
    try:
        assert container.wait(timeout=60)["StatusCode"] != 0
        assert "POSTGRES_PASSWORD" in container.logs().decode()
    finally:
        container.remove(force=True)
    assert "POSTGRES_PASSWORD" in page("06-networking")
