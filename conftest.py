"""The course's pytest plugin (tests/support/plugin.py), for every test run from this folder: notebooks
under nbval as much as the tests in tests/."""

pytest_plugins = ["tests.support.plugin"]
