# app.py
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello from Docker!"


@app.route("/health")
def health():
    # What a HEALTHCHECK or a load balancer asks: is the process up and serving?
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
