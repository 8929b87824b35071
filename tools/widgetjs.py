"""RequireJS and the Jupyter widget HTML manager, fetched from the npm registry for the book.

The book shows each widget as it looked after the run. myst-nb would load these two scripts from a
CDN, so an offline reader would see nothing; instead `make book` fetches them once, checks them
against the registry's sha512, and the book serves them itself (`html_extra_path` in `_config.yml`).
They are fetched, not committed: they are third-party builds with their own licences.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from pathlib import Path

from dockyard.shell import REPO

REGISTRY = os.environ.get("npm_config_registry", "https://registry.npmjs.org").rstrip("/")
# (package, version, sha512 integrity from the registry, files to keep: tar member pattern -> folder)
PACKAGES = [
    ("requirejs", "2.3.8",
     "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
     {"package/require.js": "requirejs"}),
    ("@jupyter-widgets/html-manager", "1.0.15",
     "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
     {"package/dist/embed-amd.js": "html-manager", "package/dist/*.woff2": "html-manager",
      "package/dist/*.LICENSE.txt": "html-manager"}),
]
# What the book's build copies to the site's root (html_extra_path): `widgets/`, and the icon fonts
# where the widgets' stylesheets ask for them, relative to each page: the controls' in `@jupyter-widgets/`,
# the manager's in `@jupyter-widgets/html-manager/dist/` (both from AMD module names; they ignore
# `__jupyter_widgets_assets_path__`).
EXTRA = REPO / "_build" / "widget-js"
TARGET = EXTRA / "widgets"
FONT_PATHS = ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist")
PAGE_FOLDERS = ("", "chapters", "exercises")


class WidgetJsUnavailable(RuntimeError):
    pass


def tarball_url(name: str, version: str) -> str:
    return f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def verified(data: bytes, integrity: str) -> bool:
    algorithm, expected = integrity.split("-", 1)
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def unpack(data: bytes, keep: dict[str, str], target: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            folder = next((keep[p] for p in keep if fnmatch.fnmatch(member.name, p)), None)
            if folder is None or not member.isfile():
                continue
            path = target / folder / Path(member.name).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.extractfile(member).read())


def stamp(target: Path) -> Path:
    return target / "VERSIONS"


def wanted() -> str:
    return "".join(f"{name}@{version} {integrity}\n" for name, version, integrity, _ in PACKAGES)


def mirror_fonts(target: Path) -> None:
    for folder in PAGE_FOLDERS:
        shutil.rmtree(target.parent / folder / FONT_PATHS[0], ignore_errors=True)  # older layouts too
        for fonts in (target.parent / folder / path for path in FONT_PATHS):
            fonts.mkdir(parents=True, exist_ok=True)
            for font in (target / "html-manager").glob("*.woff2"):
                shutil.copyfile(font, fonts / font.name)


# RequireJS gives up on a module that has not loaded within 7 s, for good: on a busy machine the widget
# manager's large bundle can take longer, and the page would then show no widget at all. Read by
# require.js when it loads, so it comes first in _config.yml's nb_ipywidgets_js.
REQUIRE_CONFIG = "var require = {waitSeconds: 0};  // no load timeout: the scripts are local\n"


def write_config(target: Path) -> None:
    (target / "requirejs").mkdir(parents=True, exist_ok=True)
    (target / "requirejs" / "config.js").write_text(REQUIRE_CONFIG)


def fetch(target: Path) -> None:
    """Fetch the pinned packages, check each against its sha512, and unpack what the book serves."""
    shutil.rmtree(target.parent, ignore_errors=True)
    for name, version, integrity, keep in PACKAGES:
        url = tarball_url(name, version)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except OSError as error:
            raise WidgetJsUnavailable(
                f"could not fetch {name}@{version} from {url} ({error}). The book's widgets need it "
                "once; build the book where the npm registry answers, then it stays in _build/."
            ) from error
        if not verified(data, integrity):
            raise WidgetJsUnavailable(f"{url} does not match its pinned sha512; nothing was kept")
        unpack(data, keep, target)
    stamp(target).write_text(wanted())


def ensure(target: Path = TARGET) -> Path:
    """Fetch and check the scripts unless the pinned versions are already there; lay out the fonts and
    the RequireJS config each time (cheap, and a layout from an older version is replaced)."""
    if not (stamp(target).is_file() and stamp(target).read_text() == wanted()):
        fetch(target)
    mirror_fonts(target)
    write_config(target)
    return target


if __name__ == "__main__":
    try:
        print(f"widget scripts ready in {ensure().relative_to(REPO)}")
    except WidgetJsUnavailable as error:
        raise SystemExit(f"[widget-js] {error}") from None
