"""Pictures of Docker networks: a map of a chapter's containers on the networks they sit on, and
who reached whom by name on the default bridge and on a user-defined network.

`read_networks` reads the plain data from the engine; `network_map` and `reach_by_name` draw it, so a
test can drive them without an engine. `describe` says in words what the map shows (its alt text).
"""

from __future__ import annotations

import docker
from matplotlib.patches import FancyBboxPatch

from dockyard import listing
from dockyard.figures.style import COLOURS, figure

DEFAULT_BRIDGE = "bridge"


def read_networks(client: docker.DockerClient, chapter: str) -> list[dict]:
    """The chapter's labelled networks, plus the default bridge where a container of the chapter sits
    on it, each with the chapter's containers on it (all states; a stopped container keeps its place):

    [{"name": "bridge", "default": True, "containers": [{"name", "state", "aliases", "networks"}]}, ...]
    """
    ours = listing.course(client, chapter)
    members: dict[str, list[dict]] = {n.name: [] for n in ours.networks}
    for container in ours.containers:
        joined = container.attrs["NetworkSettings"]["Networks"] or {}
        shown = sorted(name for name in joined if name in members or name == DEFAULT_BRIDGE)
        for network in shown:
            aliases = [alias for alias in joined[network].get("Aliases") or []
                       if alias != container.name and not container.id.startswith(alias)]
            members.setdefault(network, []).append({
                "name": container.name, "state": container.status, "aliases": sorted(set(aliases)),
                "networks": shown})
    # The default bridge first: the chapter compares it with the networks you create.
    order = sorted(members, key=lambda name: (name != DEFAULT_BRIDGE, name))
    return [{"name": name, "default": name == DEFAULT_BRIDGE,
             "containers": sorted(members[name], key=lambda c: c["name"])} for name in order]


def describe(networks: list[dict]) -> str:
    """One sentence per network: which containers sit on it (the map's alt text, and its caption)."""
    if not networks:
        return "Network map: this chapter has no containers or networks right now."
    parts = []
    for network in networks:
        title = f"the default bridge ({network['name']})" if network["default"] else network["name"]
        names = [_label(c) for c in network["containers"]]
        parts.append(f"{title} holds {', '.join(names)}" if names else f"{title} holds no container")
    return "Network map: " + "; ".join(parts) + "."


def network_map(networks: list[dict]):
    """One column per network, the containers on it drawn inside; a container on two networks
    appears in both, marked "also on"."""
    columns = max(len(networks), 1)
    rows = max([len(n["containers"]) for n in networks] + [1])
    fig, ax = figure(max(3.4 * columns, 4.5), 1.1 + 0.8 * rows)
    ax.set_xlim(0, columns)
    ax.set_ylim(0, rows + 0.9)
    ax.axis("off")
    if not networks:
        ax.text(0.5, (rows + 0.9) / 2, "no containers or networks of this chapter", ha="center",
                va="center", style="italic", color=COLOURS["other"])
        return fig
    for column, network in enumerate(networks):
        _region(ax, column, rows, network)
        for row, container in enumerate(network["containers"]):
            others = [n for n in container["networks"] if n != network["name"]]
            lines = [container["name"]]
            lines += [f"alias {', '.join(container['aliases'])}"] if container["aliases"] else []
            lines += [f"also on {', '.join(others)}"] if others else []
            lines += [container["state"]] if container["state"] != "running" else []
            colour = COLOURS["course"] if container["state"] == "running" else COLOURS["other"]
            _box(ax, column + 0.08, rows - 0.85 - row, 0.84, 0.75, "\n".join(lines), colour)
        if not network["containers"]:
            ax.text(column + 0.5, rows / 2, "no containers", ha="center", va="center",
                    style="italic", color=COLOURS["other"])
    return fig


def reach_by_name(networks: list[dict], checks: list[dict]):
    """For each network a check was made on, a new container on that network (left) and the
    targets it looked for (right), one arrow per check: found by name, not found, or reached by
    address. checks: [{"network", "target" (a container name or alias), "by": "name"|"address",
    "ok": bool}], as a chapter's cells measured them."""
    by_name = {n["name"]: n for n in networks}
    first = list(dict.fromkeys(check["network"] for check in checks))  # in the order measured
    shown = sorted(first, key=lambda name: (name != DEFAULT_BRIDGE, first.index(name)))
    targets = {name: _targets(by_name.get(name), [c for c in checks if c["network"] == name])
               for name in shown}
    rows = max([len(t) for t in targets.values()] + [1])
    columns = max(len(shown), 1)
    fig, ax = figure(max(5.2 * columns, 5.2), 1.3 + 1.0 * rows)
    ax.set_xlim(0, columns)
    ax.set_ylim(0, rows + 0.9)
    ax.axis("off")
    for column, name in enumerate(shown):
        network = by_name.get(name, {"name": name, "default": name == DEFAULT_BRIDGE, "containers": []})
        _region(ax, column, rows, network)
        heights = [rows - 0.5 - row for row in range(len(targets[name]))]
        where = "on the default bridge" if network["default"] else "on this network"
        low, high = min(heights) - 0.3, max(heights) + 0.3
        _box(ax, column + 0.05, low, 0.25, high - low, f"a new container\n{where}", COLOURS["shared"], size=7)
        for y, (target, shown_as, member, results) in zip(heights, targets[name], strict=True):
            lines = [shown_as] + ([f"alias {target}"] if shown_as != target else [])
            lines += [] if member else ["not on this network"]
            _box(ax, column + 0.62, y - 0.3, 0.32, 0.6, "\n".join(lines),
                 COLOURS["course"] if member else COLOURS["other"], size=7)
            for index, check in enumerate(results):
                offset = 0.0 if len(results) == 1 else (0.15 if index == 0 else -0.15 * index)
                _arrow(ax, column + 0.3, column + 0.62, y + offset, check, above=offset >= 0)
    return fig


def _targets(network: dict | None, checks: list[dict]) -> list[tuple]:
    """(what was looked for, the container it names, on this network?, its checks), in check order."""
    found: dict[str, list[dict]] = {}
    for check in checks:
        found.setdefault(check["target"], []).append(check)
    rows = []
    for target, results in found.items():
        member = next((c for c in (network or {}).get("containers", [])
                       if target == c["name"] or target in c["aliases"]), None)
        rows.append((target, member["name"] if member else target, member is not None, results))
    return rows


def _label(container: dict) -> str:
    notes = [f"alias {', '.join(container['aliases'])}"] if container["aliases"] else []
    notes += [] if container["state"] == "running" else [container["state"]]
    return container["name"] + (f" ({', '.join(notes)})" if notes else "")


def _region(ax, column: int, rows: int, network: dict) -> None:
    """A network as a shaded area with its name and kind at the top."""
    ax.add_patch(FancyBboxPatch((column + 0.03, 0.05), 0.94, rows + 0.75,
                                boxstyle="round,pad=0,rounding_size=0.04", facecolor=COLOURS["network"],
                                edgecolor="#8d8a78", linewidth=1))
    kind = "default bridge: no DNS for names" if network["default"] else "user-defined: DNS answers names"
    ax.text(column + 0.5, rows + 0.6, network["name"], ha="center", va="center", weight="bold", size=9)
    ax.text(column + 0.5, rows + 0.3, kind, ha="center", va="center", size=8, style="italic")


def _box(ax, x: float, y: float, width: float, height: float, text: str, colour: str,
         size: float = 8) -> None:
    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0,rounding_size=0.03",
                                facecolor=colour, edgecolor="none"))
    ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", color="white", size=size,
            linespacing=1.3)


def _arrow(ax, start: float, end: float, y: float, check: dict, above: bool = True) -> None:
    """A check as a horizontal arrow: solid to the target when it worked, dashed and stopped
    short with a cross when it did not; the verdict in words beside it."""
    ok = check["ok"]
    verdict = {("name", True): "by name: found", ("name", False): "by name: not found",
               ("address", True): "by IP address: answered",
               ("address", False): "by IP address: no answer"}[check["by"], ok]
    colour = COLOURS["ok"] if ok else COLOURS["bad"]
    stop = end if ok else start + 0.8 * (end - start)
    ax.annotate("", xy=(stop, y), xytext=(start, y), arrowprops={
        "arrowstyle": "-|>" if ok else "-", "color": colour, "linewidth": 1.5,
        "linestyle": "-" if ok else "--", "shrinkA": 1, "shrinkB": 1})
    if not ok:
        ax.text(stop, y, "✗", ha="left", va="center", color=colour, size=11, weight="bold")
    ax.text((start + end) / 2, y + (0.04 if above else -0.04), verdict, ha="center",
            va="bottom" if above else "top", size=7, color=colour)
