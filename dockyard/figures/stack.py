"""A picture of a running Compose project: its services with their state and health, the order
`depends_on` imposes, the networks they share, the volumes and bind mounts they use, and the ports
they publish.

`read_stack` turns the rows of `docker compose ps --all --format json` and `docker inspect` of each
container into plain data; `stack_figure` draws that data, so a test can drive it without an engine.
"""

from __future__ import annotations

import os

import docker
from matplotlib.patches import FancyBboxPatch

from dockyard.figures.style import COLOURS, figure

HEALTH = {"healthy": COLOURS["ok"], "starting": COLOURS["warn"], "unhealthy": COLOURS["bad"]}


def read_stack(client: docker.DockerClient, rows: list[dict]) -> list[dict]:
    """One entry per service, from `docker compose ps --all --format json` rows and an inspect of each
    container: [{"service", "containers", "state", "health", "ports", "networks", "mounts",
    "depends_on": [(service, condition)]}], in the order the rows name the services."""
    services: dict[str, dict] = {}
    for row in rows:
        container = client.containers.get(row["Name"])
        labels = container.labels
        entry = services.setdefault(row["Service"], {
            "service": row["Service"], "containers": [], "states": [], "healths": [], "ports": [],
            "networks": sorted(container.attrs["NetworkSettings"]["Networks"] or {}),
            "mounts": _mounts(container.attrs["Mounts"],
                              labels.get("com.docker.compose.project.working_dir")),
            "depends_on": _depends_on(labels.get("com.docker.compose.depends_on", ""))})
        entry["containers"].append(row["Name"])
        entry["states"].append(row["State"])
        entry["healths"].append(row.get("Health") or None)
        for port in row.get("Publishers") or []:
            mapping = f"{port['URL']}:{port['PublishedPort']}->{port['TargetPort']}/{port['Protocol']}"
            if port["PublishedPort"] and mapping not in entry["ports"]:
                entry["ports"].append(mapping)
    for entry in services.values():
        states, healths = entry.pop("states"), entry.pop("healths")
        entry["state"] = states[0] if len(set(states)) == 1 else ", ".join(sorted(set(states)))
        # The service is as healthy as its least healthy container.
        worst = [h for h in ("unhealthy", "starting", "healthy") if h in healths]
        entry["health"] = worst[0] if worst else None
    return list(services.values())


def _mounts(mounts: list[dict], working_dir: str | None) -> list[dict]:
    found = []
    for mount in mounts:
        if mount["Type"] == "volume":
            name = mount["Name"]
        elif mount["Type"] == "bind":
            source = mount["Source"]
            inside = working_dir and os.path.commonpath([source, working_dir]) == working_dir
            name = "./" + os.path.relpath(source, working_dir) if inside else source
        else:
            continue  # tmpfs and the like live and die with the container
        found.append({"type": mount["Type"], "name": name, "target": mount["Destination"]})
    return sorted(found, key=lambda m: (m["type"] != "volume", m["name"]))


def _depends_on(label: str) -> list[tuple[str, str]]:
    """Compose records `depends_on` on each container as `db:service_healthy:false,redis:...`, in an
    order that changes from one `up` to the next: sorted here, so the figure and its text do not."""
    return sorted(tuple(item.split(":")[:2]) for item in label.split(",") if item)


def describe(services: list[dict]) -> str:
    """In words what the figure shows (without ports or counts that change from run to run)."""
    parts = []
    for entry in services:
        health = f", {entry['health']}" if entry["health"] else ""
        waits = [name for name, _ in entry["depends_on"]]
        text = f"{entry['service']} ({entry['state']}{health})"
        text += f" waits for {' and '.join(waits)}" if waits else ""
        parts.append(text)
    return "Compose stack: " + "; ".join(parts) + "."


def stack_figure(services: list[dict], project: str = ""):
    """Services as boxes coloured by health, dependencies above what they wait for; each network as
    a shaded area around its services; volumes and bind mounts underneath; published ports entering
    from this machine on the left."""
    levels = _levels(services)
    depth = max(levels.values(), default=0) + 1
    mounts = _all_mounts(services)
    height = 1.2 * depth + 1.0 + (1.4 if mounts else 0.2)  # in drawing units, about an inch each
    fig, ax = figure(9.0, 0.95 * height + 0.3)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height)
    ax.axis("off")
    if project:
        ax.text(0.1, height - 0.1, f"Compose project {project}", va="top", weight="bold", size=10)
    boxes = _place(services, levels, top=height - 1.2)
    _networks(ax, services, boxes)
    for entry in services:
        _service(ax, entry, boxes[entry["service"]])
    _dependencies(ax, services, boxes)
    _ports(ax, services, boxes)
    _volumes(ax, mounts, boxes)
    return fig


def _levels(services: list[dict]) -> dict[str, int]:
    """A service one row below every service that waits for it (rows stop growing on a cycle)."""
    level = {entry["service"]: 0 for entry in services}
    for _ in range(len(services)):
        for entry in services:
            for name, _condition in entry["depends_on"]:
                if name in level:
                    level[name] = max(level[name], level[entry["service"]] + 1)
    return {name: min(value, len(services) - 1) for name, value in level.items()}


def _place(services: list[dict], levels: dict[str, int], top: float) -> dict[str, tuple]:
    """(x, y, width, height) of each service's box: rows by level, spread across x 2.6 to 9.6."""
    boxes = {}
    for level in sorted(set(levels.values())):
        names = [e["service"] for e in services if levels[e["service"]] == level]
        slot = 7.0 / len(names)
        for index, name in enumerate(names):
            width = min(2.3, slot - 0.3)
            x = 2.6 + slot * index + (slot - width) / 2
            boxes[name] = (x, top - 1.2 * level - 0.85, width, 0.85)
    return boxes


def _service(ax, entry: dict, box: tuple) -> None:
    x, y, width, height = box
    running = entry["state"] == "running"
    colour = HEALTH.get(entry["health"], COLOURS["course"]) if running else COLOURS["other"]
    count = len(entry["containers"])
    containers = entry["containers"][0] if count == 1 else f"{count} containers"
    status = entry["state"] + (f", {entry['health']}" if entry["health"] else ", no healthcheck")
    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=colour, edgecolor="none", zorder=3))
    ax.text(x + width / 2, y + height * 0.72, entry["service"], ha="center", va="center", color="white",
            weight="bold", size=10, zorder=4)
    ax.text(x + width / 2, y + height * 0.33, f"{containers}\n{status}", ha="center", va="center",
            color="white", size=7, zorder=4, linespacing=1.3)


def _networks(ax, services: list[dict], boxes: dict) -> None:
    names = sorted({n for entry in services for n in entry["networks"]})
    for index, network in enumerate(names):
        members = [boxes[e["service"]] for e in services if network in e["networks"]]
        pad = 0.15 + 0.12 * (len(names) - 1 - index)  # nested a little when services share several
        left = min(b[0] for b in members) - pad
        right = max(b[0] + b[2] for b in members) + pad
        bottom = min(b[1] for b in members) - pad
        top = max(b[1] + b[3] for b in members) + pad + 0.3
        ax.add_patch(FancyBboxPatch((left, bottom), right - left, top - bottom,
                                    boxstyle="round,pad=0,rounding_size=0.08", facecolor=COLOURS["network"],
                                    edgecolor="#8d8a78", linewidth=1, zorder=1 + index * 0.1))
        ax.text(left + 0.1, top - 0.08, f"network {network}", va="top", size=8, style="italic", zorder=2)


def _dependencies(ax, services: list[dict], boxes: dict) -> None:
    for entry in services:
        x, y, width, _ = boxes[entry["service"]]
        for name, condition in entry["depends_on"]:
            if name not in boxes:
                continue
            tx, ty, twidth, theight = boxes[name]
            start, end = (x + width / 2, y), (tx + twidth / 2, ty + theight)
            ax.annotate("", xy=end, xytext=start, zorder=5, arrowprops={
                "arrowstyle": "-|>", "color": "#444444", "linewidth": 1.2, "shrinkA": 1, "shrinkB": 1})
            words = {"service_healthy": "waits until healthy", "service_started": "waits until started",
                     "service_completed_successfully": "waits until done"}.get(condition, condition)
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, words, ha="center", va="center",
                    size=7, zorder=6, bbox={"facecolor": COLOURS["network"], "edgecolor": "none", "pad": 1})


def _ports(ax, services: list[dict], boxes: dict) -> None:
    published = [e for e in services if e["ports"]]
    if not published:
        return
    ys = [boxes[e["service"]][1] + boxes[e["service"]][3] / 2 for e in published]
    low, high = min(ys) - 0.4, max(ys) + 0.4
    ax.add_patch(FancyBboxPatch((0.1, low), 1.3, high - low, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=COLOURS["shared"], edgecolor="none", zorder=3))
    ax.text(0.75, (low + high) / 2, "this\nmachine", ha="center", va="center", color="white", size=8,
            zorder=4)
    for entry, y in zip(published, ys, strict=True):
        x = boxes[entry["service"]][0]
        ax.annotate("", xy=(x, y), xytext=(1.4, y), zorder=5, arrowprops={
            "arrowstyle": "-|>", "color": COLOURS["shared"], "linewidth": 1.5, "shrinkA": 1, "shrinkB": 1})
        ports = entry["ports"]
        text = ports[0].replace("->", " → ") if len(ports) == 1 else f"{len(ports)} published ports"
        ax.text((1.4 + x) / 2, y + 0.05, text, ha="center", va="bottom", size=7, zorder=6)


def _all_mounts(services: list[dict]) -> list[dict]:
    """Each volume or bind source once, with the services using it and where they mount it."""
    found: dict[str, dict] = {}
    for entry in services:
        for mount in entry["mounts"]:
            item = found.setdefault(mount["name"], {**mount, "users": []})
            item["users"].append((entry["service"], mount["target"]))
    return list(found.values())


def _volumes(ax, mounts: list[dict], boxes: dict) -> None:
    if not mounts:
        return
    # Under the services that use them, left to right, so the lines do not cross.
    mounts = sorted(mounts, key=lambda m: min(boxes[s][0] for s, _ in m["users"]))
    slot = 7.4 / len(mounts)
    for index, mount in enumerate(mounts):
        width = min(2.3, slot - 0.2)
        x, y = 2.4 + slot * index + (slot - width) / 2, 0.15
        named = mount["type"] == "volume"
        ax.add_patch(FancyBboxPatch((x, y), width, 0.9, boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor=COLOURS["layer"] if named else "white",
                                    edgecolor=COLOURS["layer"], linestyle="-" if named else "--", zorder=3))
        targets = "\n".join(f"→ {target}" if len(mount["users"]) == 1 else f"{service}: {target}"
                            for service, target in mount["users"])
        kind = "volume" if named else "bind mount"
        ax.text(x + width / 2, y + 0.45, f"{kind} {mount['name']}\n{targets}", ha="center", va="center",
                size=6.5, color="white" if named else "#222222", zorder=4, linespacing=1.3)
        for service, _target in mount["users"]:
            sx, sy, swidth, _ = boxes[service]
            ax.plot([sx + swidth / 2, x + width / 2], [sy, y + 0.9], color=COLOURS["layer"], linewidth=1,
                    linestyle="-" if named else "--", zorder=2.5)
