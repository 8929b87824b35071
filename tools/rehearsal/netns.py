"""A network namespace for the second engine, with a veth pair and NAT to the host's network.

Two dockerds in one network namespace share the iptables chains (DOCKER, DOCKER-ISOLATION-*) and one
rewrites the other's; in its own namespace the second engine keeps its own rules and a normal bridge.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

NAME = "dockyard-rehearsal"
HOST_VETH, NS_VETH = "dyr-host", "dyr-ns"
# A private /30: the host's end and the namespace's end.
SUBNET, HOST_IP, NS_IP = "10.213.77.0/30", "10.213.77.1", "10.213.77.2"


def say(message: str) -> None:
    print(f"[netns] {message}", flush=True)


# The rehearsal's /tmp: the course's scratch folders (/tmp/dockyard-<chapter>) and lock files live in
# /tmp, so a rehearsal with the host's /tmp would share them with the main engine's runs.
TMP = Path("/var/tmp/dockyard-rehearsal-tmp")


def run_in(command: list[str], own_tmp: bool = False) -> list[str]:
    """A command run in the namespace's network only; with `own_tmp`, also with TMP as its /tmp (a
    mount namespace of its own, where TMP is bound on /tmp: the engine, the tests and their kernels all
    see the same folder, and the host's /tmp is untouched).

    `ip netns exec` would also remount /sys, which hides the cgroup hierarchy dockerd needs.
    """
    network = ["nsenter", f"--net=/run/netns/{NAME}", "--", *command]
    if not own_tmp:
        return network
    return ["unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", 'mount --bind "$0" /tmp && exec "$@"', str(TMP), *network]


def host_rules() -> list[list[str]]:
    """iptables rules on the host: masquerade the namespace's traffic, and let it through FORWARD,
    whose policy Docker sets to DROP (DOCKER-USER is the chain Docker leaves to its users)."""
    return [
        ["-t", "nat", "POSTROUTING", "-s", SUBNET, "!", "-o", HOST_VETH, "-j", "MASQUERADE"],
        ["-t", "filter", "DOCKER-USER", "-i", HOST_VETH, "-j", "ACCEPT"],
        ["-t", "filter", "DOCKER-USER", "-o", HOST_VETH, "-j", "ACCEPT"],
    ]


def _rule(action: str, rule: list[str]) -> list[str]:
    table, chain, *spec = rule[1], rule[2], *rule[3:]
    return ["iptables", "-t", table, action, chain, *spec]


def setup_commands() -> list[list[str]]:
    return [
        ["ip", "netns", "add", NAME],
        ["ip", "link", "add", HOST_VETH, "type", "veth", "peer", "name", NS_VETH],
        ["ip", "link", "set", NS_VETH, "netns", NAME],
        ["ip", "addr", "add", f"{HOST_IP}/30", "dev", HOST_VETH],
        ["ip", "link", "set", HOST_VETH, "up"],
        run_in(["ip", "addr", "add", f"{NS_IP}/30", "dev", NS_VETH]),
        run_in(["ip", "link", "set", NS_VETH, "up"]),
        run_in(["ip", "link", "set", "lo", "up"]),
        run_in(["ip", "route", "add", "default", "via", HOST_IP]),
        *[_rule("-I", rule) for rule in host_rules()],
    ]


def teardown_commands() -> list[list[str]]:
    # Deleting the namespace deletes its veth end, and with it the host's end.
    return [*[_rule("-D", rule) for rule in host_rules()],
            ["ip", "link", "del", HOST_VETH], ["ip", "netns", "del", NAME]]


def exists() -> bool:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return any(line.split()[0] == NAME for line in listed.splitlines() if line.strip())


@dataclass
class Namespace:
    made: bool = False

    def setup(self) -> None:
        if exists():
            raise RuntimeError(f"network namespace {NAME} exists already (an earlier run?): "
                               f"python -m tools.rehearsal --teardown removes it")
        if subprocess.run(["iptables", "-n", "-L", "DOCKER-USER"], capture_output=True).returncode:
            raise RuntimeError("the host has no DOCKER-USER chain: is the main engine running?")
        self.made = True
        for command in setup_commands():
            subprocess.run(command, check=True)
        say(f"{NAME}: {NS_IP} behind {HOST_IP}, masqueraded")

    def teardown(self) -> None:
        if not self.made:
            return
        for command in teardown_commands():
            subprocess.run(command, check=False, stderr=subprocess.DEVNULL)
        say(f"{NAME} removed")
