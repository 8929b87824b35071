"""The Containers chapter's panel: the course's containers in a table, and buttons that start, stop,
restart, remove one of them or show the end of its log.

The core is two plain functions a test drives without a browser: `rows(client, chapter)` lists the
labelled containers, `act(client, name, action)` runs one action with the SDK call the chapter
teaches (`container.stop()`, `.start()`, `.restart()`, `.remove()`, `.logs(tail=20)`). Both touch only
containers that carry the course label; `act` refuses any other with a message and leaves it alone.
"""

from __future__ import annotations

import html
import threading

import docker
import ipywidgets as widgets
from docker.errors import APIError, NotFound

from dockyard import listing
from dockyard.errors import CourseError
from dockyard.labels import LABEL
from dockyard.widgets.common import Explorer, replace, write

TAIL = 20  # log lines a Logs press shows: enough to see what happened, never the whole log
ACTIONS = {  # button label, tooltip
    "start": ("Start", "docker start: start the picked container's main process again"),
    "stop": ("Stop", "docker stop: SIGTERM, then SIGKILL after 10 seconds"),
    "restart": ("Restart", "docker restart: a stop, then a start"),
    "remove": ("Remove", "docker rm: remove a stopped container, its writable layer and its logs"),
    "logs": ("Logs", f"docker logs --tail {TAIL}: the last {TAIL} lines of the picked container's log"),
}
COMMANDS = {"start": "docker start {name}", "stop": "docker stop {name}",
            "restart": "docker restart {name}", "remove": "docker rm {name}",
            "logs": f"docker logs --tail {TAIL} {{name}}"}


class Refused(CourseError):
    """The panel will not act on this container (not the course's, gone, or the engine said no)."""


def rows(client: docker.DockerClient, chapter: str | None = None) -> list[dict]:
    """The course's containers (or one chapter's), sorted by name: name, state, ports, health."""
    found = []
    for container in listing.course(client, chapter).containers:
        ports = [f"{binding['HostIp']}:{binding['HostPort']}->{port}"
                 for port, bindings in sorted(container.ports.items()) for binding in bindings or []]
        health = (container.attrs["State"].get("Health") or {}).get("Status", "no healthcheck")
        found.append({"name": container.name, "state": container.status, "ports": ", ".join(ports),
                      "health": health})
    return sorted(found, key=lambda row: row["name"])


def course_container(client: docker.DockerClient, name: str, chapter: str | None = None):
    """The container called exactly `name`, if it carries the course label (and the chapter's)."""
    try:
        container = client.containers.get(name)
    except NotFound:
        raise Refused(f"There is no container called {name} (any more). Press Refresh.") from None
    if container.name != name:  # get() also matches an ID prefix
        raise Refused(f"There is no container called {name}. Press Refresh.")
    label = container.labels.get(LABEL)
    if label is None or (chapter and label != chapter):
        whose = "Dockyard did not create it" if label is None else f"it belongs to the chapter {label}"
        wanted = f"{LABEL}={chapter}" if chapter else LABEL
        raise Refused(f"The panel leaves {name} alone: {whose} (it has no label {wanted}). "
                      "Manage it yourself in a terminal.")
    return container


def act(client: docker.DockerClient, name: str, action: str, chapter: str | None = None) -> str:
    """Run one action on a course container; return its command line and what happened, as text."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    container = course_container(client, name, chapter)
    command = "$ " + COMMANDS[action].format(name=name)
    try:
        if action == "logs":
            text = container.logs(tail=TAIL).decode(errors="replace").rstrip("\n")
            return f"{command}\n{text or '(the log is empty)'}"
        # Plain calls, as the chapter makes them: stop() waits up to 10 s for a PID 1 that ignores
        # SIGTERM, which is why the panel runs actions in a thread and never in the kernel's own.
        {"start": container.start, "stop": container.stop, "restart": container.restart,
         "remove": container.remove}[action]()
    except APIError as error:
        hint = " Press Stop first, then Remove." if action == "remove" and error.status_code == 409 else ""
        raise Refused(f"{command}\nThe engine refused: {error.explanation}.{hint}") from None
    if action == "remove":
        return f"{command}\nremoved {name}"
    container.reload()
    state = container.attrs["State"]
    ended = f", exit code {state['ExitCode']}" if state["Status"] == "exited" else ""
    return f"{command}\n{name} is {state['Status']}{ended}"


def table_html(found: list[dict]) -> str:
    """The rows as an HTML table with column headers (read aloud as a table by screen readers)."""
    if not found:
        return "<p>No containers of the course right now.</p>"
    columns, cell = ["name", "state", "ports", "health"], 'style="text-align:left;padding:2px 12px 2px 0"'
    head = "".join(f'<th scope="col" {cell}>{c}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(row[c])}</td>" for c in columns) + "</tr>"
                   for row in found)
    return (f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


class ContainerPanel(Explorer):
    """The course's containers, a picker, and buttons that run the chapter's SDK calls on one."""

    def __init__(self, client: docker.DockerClient, chapter: str | None = None):
        self.client, self.chapter = client, chapter
        self.worker: threading.Thread | None = None
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description="Container", options=[],
                                     layout=widgets.Layout(width="max-content"))
        self.buttons = {action: widgets.Button(description=label, tooltip=tip)
                        for action, (label, tip) in ACTIONS.items()}
        self.buttons["refresh"] = widgets.Button(description="Refresh",
                                                 tooltip="docker ps -a: read the table again")
        for action, button in self.buttons.items():
            button.on_click(lambda _button, action=action: self.press(action))
        self.out = widgets.Output()
        super().__init__([self.table, self.pick, widgets.HBox(list(self.buttons.values())), self.out])
        self.refresh()
        replace(self.out, "Pick a container, then press a button: each runs the docker command shown "
                          f"here. Logs shows the last {TAIL} lines.\n")

    def summary(self) -> str:
        return f"chapter={self.chapter!r}"

    def refresh(self) -> None:
        """Read the containers again; keep the picked one if it is still there."""
        found = rows(self.client, self.chapter)
        self.table.value = table_html(found)
        picked = self.pick.value
        self.pick.options = [row["name"] for row in found]
        if picked in self.pick.options:
            self.pick.value = picked

    def press(self, action: str) -> None:
        """A button's handler: refresh at once; any other action in a worker thread, buttons disabled
        meanwhile (a stop can take 10 s, and the kernel stays free for other cells)."""
        if action == "refresh":
            self.refresh()
            return
        name = self.pick.value
        if not name:
            write(self.out, "Pick a container first.")
            return
        self._enable(False)
        self.worker = threading.Thread(target=self._run, args=(name, action), daemon=True)
        self.worker.start()

    def _run(self, name: str, action: str) -> None:
        try:
            write(self.out, act(self.client, name, action, self.chapter))
        except CourseError as error:
            write(self.out, str(error))
        except Exception as error:  # a callback's exception would vanish into the kernel's log
            write(self.out, f"{action} failed: {error}")
        finally:
            try:
                self.refresh()
            finally:
                self._enable(True)

    def _enable(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.disabled = not enabled
