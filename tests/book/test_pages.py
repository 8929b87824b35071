"""The built book, opened in a real browser: real outputs on the pages, nothing fetched from afar."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
import yaml

from dockyard.browser import chromium_path

ROOT = Path(__file__).resolve().parents[2]
playwright = pytest.importorskip("playwright.sync_api")


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # the requests that matter are checked in the browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the book from the committed outputs into a temporary folder and serve it on loopback."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
                    "--warningiserror", "--nitpick", "--keep-going"], check=True, capture_output=True)
    handler = functools.partial(QuietHandler, directory=str(out / "_build/html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (make setup installs Debian's as root)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()


def open_page(browser, url):
    """Open url; return the page and every request that left the local server."""
    page = browser.new_page()
    remote = []
    page.on("request", lambda request: remote.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1", None) else None)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    return page, remote, errors


@pytest.mark.parametrize("chapter", toc_chapters())
def test_every_chapter_shows_its_committed_outputs_offline(site, browser, chapter):
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    with_output = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.outputs]
    page, remote, errors = open_page(browser, f"{site}/{chapter}.html")
    assert page.locator("h1").first.inner_text().strip("#¶ \n")
    assert page.locator(".cell_output").count() >= len(with_output)
    assert remote == [], "a reader without a network would miss these"
    assert errors == []
    page.close()


def test_the_images_page_shows_the_app_answering(site, browser):
    page, _, _ = open_page(browser, f"{site}/chapters/02-images.html")
    outputs = page.locator(".cell_output").all_inner_texts()
    assert any("1.0    -> 200 Hello from Docker!" in text for text in outputs)
    cached = "=> CACHED [4/5] RUN pip install --no-cache-dir -r requirements.txt"
    assert any(cached in text for text in outputs)
    page.close()


def toc_exercises() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [section["file"] for part in toc["parts"] for entry in part["chapters"]
            for section in entry.get("sections", []) if section["file"].startswith("exercises/")]


def test_every_chapter_has_its_exercises_page_beside_it():
    assert [Path(page).name for page in toc_exercises()] == [Path(page).name for page in toc_chapters()]


@pytest.mark.parametrize("exercises", toc_exercises())
def test_exercise_pages_keep_hints_and_solutions_collapsed(site, browser, exercises):
    page, remote, errors = open_page(browser, f"{site}/{exercises}.html")
    tasks = page.locator(".exercise").count()
    assert tasks >= 3, "three or more tasks per chapter"
    solutions = page.locator(".solution.dropdown")
    assert solutions.count() == tasks
    # a collapsed solution shows its title and toggle, not the solution's code
    assert not any(code.is_visible() for code in page.locator(".solution.dropdown .cell_input").all())
    hints = page.locator("details.sd-dropdown", has_text="Hint")
    assert hints.count() >= 2 * tasks
    assert all(not opened for opened in hints.evaluate_all("all => all.map(d => d.open)"))
    assert page.locator(".cell_output", has_text="conditions met").count() == tasks
    assert remote == [] and errors == []
    page.close()


def test_the_home_page_links_every_chapter(site, browser):
    page, _, _ = open_page(browser, f"{site}/intro.html")
    links = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for chapter in toc_chapters():
        assert any(chapter.split("/")[-1] + ".html" in (href or "") for href in links), chapter
    page.close()
