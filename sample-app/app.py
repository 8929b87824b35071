# app.py
import os
from functools import cache

import psycopg
import redis
from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello from Docker!"


@app.route("/health")
def health():
    # What a HEALTHCHECK or a load balancer asks: is the process up and serving?
    return {"status": "ok"}


# Two optional services. Their addresses come from the environment (Docker Compose sets them);
# without them the app still runs, and only the routes that need them answer 503.
class NotConfigured(Exception):
    pass


def setting(name):
    value = os.environ.get(name)
    if not value:
        raise NotConfigured(name)
    return value


@app.errorhandler(NotConfigured)
def not_configured(error):
    return {"error": f"{error} is not set, so this route is off (Docker Compose sets it)"}, 503


@app.errorhandler(redis.ConnectionError)
@app.errorhandler(psycopg.OperationalError)
def unreachable(error):
    return {"error": f"a service this route needs does not answer ({type(error).__name__})"}, 503


# /visits: a counter in Redis. INCR adds one and returns the new value, atomically.
@cache
def redis_client(url):
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)


@app.route("/visits")
def visits():
    return {"visits": redis_client(setting("REDIS_URL")).incr("visits")}


# /notes: short notes in a PostgreSQL table, created if missing.
NOTES_TABLE = "CREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY, text VARCHAR(200) NOT NULL)"


def database():
    # Use it in a `with` block: it commits and closes at the end.
    connection = psycopg.connect(setting("DATABASE_URL"), connect_timeout=5)
    connection.execute(NOTES_TABLE)
    return connection


@app.get("/notes")
def list_notes():
    with database() as db:
        rows = db.execute("SELECT id, text FROM notes ORDER BY id").fetchall()
    return {"notes": [{"id": note_id, "text": text} for note_id, text in rows]}


@app.post("/notes")
def add_note():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = request.form  # an HTML form or `curl -d text=...` works too
    text = str(body.get("text", "")).strip()
    if not 0 < len(text) <= 200:
        return {"error": 'send {"text": "..."} with 1 to 200 characters'}, 400
    with database() as db:
        note_id = db.execute("INSERT INTO notes (text) VALUES (%s) RETURNING id", (text,)).fetchone()[0]
    return {"id": note_id, "text": text}, 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
