"""Dockyard's plumbing: what a lesson needs but a learner should not have to read."""

from dockyard.about import about
from dockyard.buildkit import build
from dockyard.builds import own_layers
from dockyard.builds import steps as build_steps
from dockyard.checks import check, hint
from dockyard.cleanup import cleanup, leftovers
from dockyard.emulation import emulated
from dockyard.engine import EngineUnavailable, connect, describe, engine_version
from dockyard.images import target_platform
from dockyard.labels import LABEL, labels
from dockyard.names import NameTaken, claim
from dockyard.ports import LOOPBACK, free_port, host_port, port_taken
from dockyard.processes import wait_for_command
from dockyard.sample import SAMPLE_APP, SAMPLE_IMAGE, sample_image
from dockyard.scratch import scratch
from dockyard.shell import sh
from dockyard.show import size, table, transfer, verified
from dockyard.stores import image_store, same_content
from dockyard.web import wait_for_http

__all__ = [
    "LABEL", "LOOPBACK", "SAMPLE_APP", "SAMPLE_IMAGE", "EngineUnavailable", "NameTaken", "about", "build",
    "build_steps", "check", "claim", "cleanup", "connect", "describe", "emulated", "engine_version",
    "free_port", "hint", "host_port", "image_store", "labels", "leftovers", "own_layers", "port_taken",
    "same_content", "sample_image", "scratch", "sh", "size", "table", "target_platform", "transfer",
    "verified", "wait_for_command", "wait_for_http",
]
