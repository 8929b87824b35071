"""The safety rules over every container the course starts, recorded from the engine's own events.

A thread follows the engine's container events during a test run. It inspects each course container
as it is created and judges it when it starts: no privileged mode, no engine socket mounted, every
published port on 127.0.0.1, and the production image running as a user other than root. (A container
created and never started listens on nothing, like the Networking chapter's example of an
all-interfaces binding.) A separate check reads the images the course keeps and looks for the secret
values of the course's own examples.
"""

from __future__ import annotations

import threading
import time

import docker
from docker.errors import NotFound

from dockyard.checks.read import saved_files
from dockyard.labels import LABEL

SOCKET = "docker.sock"
EVENTS = {"type": "container", "event": ["create", "start"]}
# The classroom's per-learner engines run privileged by design (instructors/classroom.md says why).
PRIVILEGED_BY_DESIGN = {"classroom"}
# The image Docker's documentation runs to register QEMU with the kernel: writing the kernel's binfmt_misc
# table is its one job, which no unprivileged container may do (Share images, dockyard/emulation.py).
PRIVILEGED_IMAGES = ("tonistiigi/binfmt",)
PRODUCTION_IMAGES = ("dockyard/production-app",)
# The secret values the chapters use to show what must never end up in an image.
SECRETS = (b"dockyard-fake-token-123", b"dev-only-password", b"fake-secret-for-the-lesson")


def broken_rules(attrs: dict) -> list[str]:
    """The rules one container's inspect output breaks, each as a short sentence."""
    host = attrs.get("HostConfig") or {}
    config = attrs.get("Config") or {}
    broken = []
    chapter = (config.get("Labels") or {}).get(LABEL)
    if host.get("Privileged") and chapter not in PRIVILEGED_BY_DESIGN \
            and not config.get("Image", "").startswith(PRIVILEGED_IMAGES):
        broken.append("runs privileged")
    sources = [m.get("Source", "") for m in attrs.get("Mounts") or []] + list(host.get("Binds") or [])
    if any(SOCKET in source for source in sources):
        broken.append("mounts the engine's socket")
    for port, bindings in (host.get("PortBindings") or {}).items():
        for binding in bindings or []:
            if binding.get("HostIp") not in ("127.0.0.1", "::1"):
                broken.append(f"publishes {port} on {binding.get('HostIp') or 'every address'}")
    if config.get("Image", "").startswith(PRODUCTION_IMAGES) and config.get("User", "") in ("", "0", "root"):
        broken.append("runs the production image as root")
    return broken


class Recorder:
    """Follows container creation on the engine and keeps what each course container breaks:
    every chapter's, or one chapter's where others run at the same time."""

    def __init__(self, client: docker.DockerClient, chapter: str | None = None):
        self.client = client
        self.chapter = chapter
        self.seen: list[str] = []
        self.vanished: list[str] = []  # removed before it could be inspected
        self.findings: dict[str, list[str]] = {}
        self._created: dict[str, dict] = {}
        self._handled: set[tuple[str, str]] = set()
        self._since = _now()
        self._stopped = False
        self._events = client.events(decode=True, filters=EVENTS)
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for event in self._events:
                self._inspect(event)
        except Exception:  # noqa: BLE001 - the stream ends with an error when stop() closes it
            return

    def _inspect(self, event: dict) -> None:
        labels = (event.get("Actor") or {}).get("Attributes") or {}
        if LABEL not in labels or self.chapter not in (None, labels[LABEL]):
            return  # not the course's (the learner's own, or another tool's), or another chapter's
        if (event.get("id"), event.get("Action")) in self._handled:
            return
        self._handled.add((event.get("id"), event.get("Action")))
        name = labels.get("name", event.get("id", "")[:12])
        attrs = self._created.pop(event["id"], None)
        if attrs is None:
            try:
                attrs = self.client.api.inspect_container(event["id"])
            except NotFound:
                self.vanished.append(name)
                return
        if event.get("Action") == "create":
            self._created[event["id"]] = attrs  # read now, while it surely exists
            return
        self.seen.append(name)
        broken = broken_rules(attrs)
        if broken:
            self.findings[name] = broken

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._events.close()
        self._thread.join(timeout=5)
        # The live stream may lag the engine, or open a moment after the first event: replay, up to
        # now, what it has not handled yet.
        for event in self.client.events(decode=True, since=self._since, until=_now(), filters=EVENTS):
            self._inspect(event)


def _now() -> str:
    """This moment as the engine's event filters read it: seconds and nanoseconds."""
    return f"{time.time():.9f}"


def secrets_in(client: docker.DockerClient, image: str) -> list[str]:
    """The course's example secrets found in any file of an image's saved archive (its layers
    unpacked from gzip where the image store keeps them compressed)."""
    found: set[str] = set()
    for _, data in saved_files(client.images.get(image)):
        found |= {secret.decode() for secret in SECRETS if secret in data}
    return sorted(found)
