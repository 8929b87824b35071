"""How the checks read a healthcheck and a list of programs, without an engine."""

from __future__ import annotations

import pytest

from dockyard.checks import trial


@pytest.mark.parametrize("config, command", [
    ({"Healthcheck": {"Test": ["CMD", "redis-cli", "ping"]}}, ["redis-cli", "ping"]),
    ({"Healthcheck": {"Test": ["CMD-SHELL", "pg_isready"]}}, ["/bin/sh", "-c", "pg_isready"]),
    ({"Healthcheck": {"Test": ["CMD-SHELL", "exit 0"]}, "Shell": ["/bin/bash", "-c"]},
     ["/bin/bash", "-c", "exit 0"]),
    ({"Healthcheck": {"Test": ["NONE"]}}, None),
    ({"Healthcheck": {"Test": []}}, None),
    ({}, None),
])
def test_a_healthcheck_runs_as_the_engine_runs_it(config, command):
    assert trial.health_command(config) == command


def test_compilers_are_found_under_versioned_names_and_libraries_are_not():
    listing = "\n".join([
        "/usr/bin/python3", "/usr/bin/gcc-12", "/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/cc",
        "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/bin/cppw", "/usr/bin/gcc-ar-12", "/usr/bin/c++filt",
        "/usr/bin/clang-14", "/usr/sbin/ccreds"])
    assert trial.compilers(listing) == ["/usr/bin/gcc-12", "/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/cc",
                                        "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/bin/clang-14"]
