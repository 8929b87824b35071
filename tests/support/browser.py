"""A real browser for the book's page tests: Debian's Chromium, installed where that is allowed."""

from __future__ import annotations

import shutil

from dockyard.provision import apt_install, refusal

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def ensure_browser() -> str | None:
    """Chromium's path; installs Debian's chromium as root on Debian/Ubuntu when none is found."""
    if chromium_path() or refusal():
        return chromium_path()
    apt_install(["chromium"])
    return chromium_path()


if __name__ == "__main__":
    if not ensure_browser():
        print("[browser] no Chromium found: the book's page tests will be skipped.")
