# app.py: a small web app to put into an image. It answers on port 8080.
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello from the ex04 app!"


@app.route("/health")
def health():
    # What a HEALTHCHECK asks: is the process up and serving?
    return {"status": "ok"}


if __name__ == "__main__":
    # 0.0.0.0: every interface of the container, so that a published port reaches the app.
    app.run(host="0.0.0.0", port=8080)
