"""`make lab` as a learner uses it: the first chapter, run cell by cell in JupyterLab in a real browser.

The server is the one `make lab` starts (`python -m tools.lab`, tools/lab.py), with only a port,
a token and --no-browser added, on a copy of the committed chapter outside the repository, so the
committed notebook keeps its outputs. Every request that would leave the machine is blocked.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import nbformat
import psutil
import pytest

import dockyard
from dockyard import locks
from tests.support.browser import chromium_path
from tools import lab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "chapters/01-why-containers.ipynb"
CHAPTER = "why-containers"  # its label; the chapter's last cell removes what carries it
STARTUP_TIMEOUT = 60  # seconds until the server answers
LOAD_TIMEOUT = 60  # seconds until the notebook shows and its kernel is idle
RUN_TIMEOUT = 300  # seconds for Run All Cells
LOCAL = ("127.0.0.1", "localhost")
NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"
ERRORS = ('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], '
          '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
PROMPTS = ".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt"
# A cell whose source is collapsed (metadata jupyter.source_hidden: the proof cells, tools/prooftags.py)
# shows a placeholder instead of its input area, prompt included.
COLLAPSED = ".jp-NotebookPanel .jp-CodeCell .jp-InputPlaceholder"
KERNEL = '.jp-StatusBar-TextItem[title="Change kernel for {}"]'  # "Python 3 (ipykernel) | Idle"
playwright = pytest.importorskip("playwright.sync_api")


def test_the_command_allows_root_only_as_root_and_keeps_jupyterlab_quiet(monkeypatch):
    for uid, root in ((0, True), (1000, False)):
        monkeypatch.setattr(os, "geteuid", lambda uid=uid: uid)
        argv = lab.command("/somewhere", ["--no-browser"])
        assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
        assert ("--allow-root" in argv) is root
        assert "--notebook-dir=/somewhere" in argv and argv[-1] == "--no-browser"
        assert "--LabApp.news_url=None" in argv
        assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in argv


def test_the_news_plugin_is_disabled_once_for_the_environment(monkeypatch, tmp_path):
    paths = pytest.importorskip("jupyter_core.paths")
    monkeypatch.setattr(paths, "ENV_CONFIG_PATH", [str(tmp_path)])  # the venv's etc/jupyter
    (tmp_path / "labconfig").mkdir()
    page_config = tmp_path / "labconfig/page_config.json"
    page_config.write_text(json.dumps({"disabledExtensions": {"someone-else:plugin": True}}))
    assert lab.disable_announcements() is True
    assert lab.disable_announcements() is False
    disabled = json.loads(page_config.read_text())["disabledExtensions"]
    assert disabled == {"someone-else:plugin": True, lab.ANNOUNCEMENTS: True}


def test_main_disables_the_plugin_then_becomes_the_server(monkeypatch):
    calls = []
    monkeypatch.setattr(lab, "disable_announcements", lambda: calls.append("disable"))
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    lab.main(["--notebook-dir=/somewhere", "--no-browser"])
    assert calls == ["disable", lab.command("/somewhere", ["--no-browser"])]


def committed_notebook() -> nbformat.NotebookNode:
    """The chapter as committed (the working copy may be mid-edit), outputs and counts cleared."""
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{NOTEBOOK}"], capture_output=True,
                           text=True)
    text = shown.stdout if shown.returncode == 0 else (ROOT / NOTEBOOK).read_text()
    notebook = nbformat.reads(text, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, token: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else {}


@contextmanager
def lab_server(folder: Path, home: Path):
    """`python -m tools.lab` on folder, on a free loopback port; stopped and checked on exit."""
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    # A learner's first start: no settings, workspaces or kernels of this machine's user.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data")}
    argv = [sys.executable, "-m", "tools.lab", f"--notebook-dir={folder}", "--no-browser",
            "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}"]
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        while True:
            try:
                call(f"{base}/api/status", token)
                break
            except (OSError, urllib.error.URLError):
                pass
            assert server.poll() is None, f"the server stopped:\n{log_path.read_text()}"
            assert time.monotonic() - started < STARTUP_TIMEOUT, \
                f"no answer within {STARTUP_TIMEOUT} s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield base, token, time.monotonic() - started
    finally:
        family = [psutil.Process(server.pid)] if server.poll() is None else []
        family += family[0].children(recursive=True) if family else []
        try:
            call(f"{base}/api/shutdown", token, method="POST")  # stops its kernels, then itself
        except (OSError, urllib.error.URLError):
            server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        _, alive = psutil.wait_procs(family, timeout=10)
        for process in alive:
            process.kill()
        assert alive == [], f"left running after the server stopped: {alive}"


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


def confined_page(browser):
    """A page whose requests to anywhere but this machine are blocked; what it asked and met is kept."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen = SimpleNamespace(remote=[], local=[], errors=[], network_changes=0)

    def route(route):
        if urlparse(route.request.url).hostname in LOCAL:
            seen.local.append(urlparse(route.request.url).path)
            route.continue_()
        else:
            seen.remote.append(route.request.url)
            route.abort()

    def failed(request):
        # Docker adding or removing a container's network interface makes Chromium drop what is in
        # flight, even on loopback; JupyterLab then reports "Failed to fetch" and polls again.
        if request.failure == "net::ERR_NETWORK_CHANGED":
            seen.network_changes += 1

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("requestfailed", failed)
    page.set_default_timeout(LOAD_TIMEOUT * 1000)
    return context, page, seen


def open_notebook(page, seen, base: str, token: str, name: str, code_cells: int) -> None:
    """JupyterLab, then the notebook from its file browser, until its kernel is idle.

    A network change on this machine while the page loads can break the load (a stylesheet or a
    script missing, an error dialog); a learner would reload, and so does this, up to three times.
    """
    for attempt in range(1, 4):
        changes = seen.network_changes
        try:
            page.goto(f"{base}/lab?token={token}", wait_until="load")
            # The launcher lists the kernels once JupyterLab knows them; a notebook opened sooner
            # asks which kernel to start.
            page.locator(".jp-LauncherCard", has_text="Python 3").first.wait_for()
            page.locator(".jp-DirListing-itemText", has_text=name).dblclick()
            page.locator(PROMPTS).nth(code_cells - 1).wait_for(state="attached")
            page.wait_for_function("kernel => document.querySelector(kernel)?.textContent.endsWith('| Idle')",
                                   arg=KERNEL.format(name), polling=250)
            if page.locator(".jp-Dialog").count() == 0:
                return
        except playwright.Error:
            if seen.network_changes == changes or attempt == 3:
                raise
        if seen.network_changes == changes:
            return  # a dialog not caused by the network: the caller reports it
        print(f"the machine's network changed while JupyterLab loaded (attempt {attempt}); reloading")
    raise AssertionError("JupyterLab did not load through three network changes")


def run_all_cells(page, seen, base: str, token: str, name: str, code_cells: int) -> dict:
    """Open the notebook, Run > Run All Cells from the menu bar, and read what the page shows."""
    open_notebook(page, seen, base, token, name, code_cells)
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # Done: the kernel idle, no cell queued, and every cell counted, or one failed (Run All stops
    # there), or a dialog waits for an answer.
    page.wait_for_function(
        """([prompts, kernel, errors, stderr]) => {
            const shown = [...document.querySelectorAll(prompts)].map(p => p.textContent.trim());
            const idle = document.querySelector(kernel)?.textContent.endsWith("| Idle");
            const failed = document.querySelector(errors) || [...document.querySelectorAll(stderr)]
                .some(output => output.textContent.includes("Traceback"));
            const counted = shown.every(p => /^\\[\\d+\\]:$/.test(p));
            const finished = idle && !shown.includes("[*]:") && (counted || failed);
            return finished || document.querySelector(".jp-Dialog");
        }""", arg=[PROMPTS, KERNEL.format(name), ERRORS, STDERR], timeout=RUN_TIMEOUT * 1000, polling=500)
    # text_content, not inner_text: cells scrolled out of view are not rendered, but they are there.
    stderr = page.locator(STDERR).all_text_contents()
    return {
        "disabled plugins": config["disabledExtensions"],
        "prompts": [text.strip() for text in page.locator(PROMPTS).all_text_contents()],
        "collapsed": page.locator(COLLAPSED).count(),
        "errors": page.locator(ERRORS).all_text_contents()
        + [text for text in stderr if "Traceback" in text or re.search(r"\w+(Error|Exception)\b", text)],
        "outputs": "\n".join(page.locator(".jp-NotebookPanel .jp-OutputArea-output").all_text_contents()),
        "markdown": "\n".join(page.locator(".jp-NotebookPanel .jp-MarkdownCell .myst").all_text_contents()),
        "news question": page.get_by_text(NEWS_QUESTION).count(),
        "dialogs": page.locator(".jp-Dialog").all_text_contents(),
        "kernel": page.locator(KERNEL.format(name)).text_content(),
        # "Failed to fetch" is what a network change leaves; anything else is JupyterLab's own error.
        "page errors": [error for error in seen.errors
                        if not (seen.network_changes and error == "Failed to fetch")],
    }


def test_a_learner_runs_the_first_chapter_in_jupyterlab(browser, client, tmp_path):
    pytest.importorskip("jupyterlab", reason="make lab's pins (requirements/lab.txt) are not installed")
    folder, home = tmp_path / "notebooks", tmp_path / "home"
    folder.mkdir()
    home.mkdir()
    notebook = committed_notebook()
    name = Path(NOTEBOOK).name
    nbformat.write(notebook, folder / name)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    collapsed = [cell.metadata.get("jupyter", {}).get("source_hidden", False) for cell in code]
    # the run's count of each code cell whose prompt shows
    counts = [count for count, hidden in enumerate(collapsed, 1) if not hidden]
    code_cells = len(counts)  # those whose prompt the page shows

    with locks.chapter(CHAPTER):  # the terminal track may run this chapter beside it
        try:
            with lab_server(folder, home) as (base, token, startup):
                print(f"JupyterLab answered after {startup:.1f} s")
                # The server itself fetches no news and checks for no update.
                assert call(f"{base}/lab/api/news", token) == {"news": []}
                assert call(f"{base}/lab/api/update", token)["notification"] is None
                context, page, seen = confined_page(browser)
                started = time.monotonic()
                try:
                    shown = run_all_cells(page, seen, base, token, name, code_cells)
                except Exception:
                    page.screenshot(path=tmp_path / "jupyterlab.png")
                    print(f"see {tmp_path / 'jupyterlab.png'} and {home / 'server.log'}")
                    raise
                finally:
                    context.close()  # closed, never saved: the copy on disk keeps no outputs
                print(f"opened and ran in {time.monotonic() - started:.1f} s")
        finally:
            left = dockyard.cleanup(client, CHAPTER, images=True)  # after a failure; else the last cell did

    assert shown["dialogs"] == [], "JupyterLab waits for an answer"
    assert shown["errors"] == [], "\n\n".join(shown["errors"])
    assert shown["prompts"] == [f"[{count}]:" for count in counts], shown["prompts"]
    assert shown["collapsed"] == sum(collapsed), "JupyterLab shows the proof cells collapsed"
    assert shown["kernel"] == "Python 3 (ipykernel) | Idle"
    assert "python:3.13-slim  Python 3.13  exit 0: Hello Ada" in shown["outputs"]
    assert lab.ANNOUNCEMENTS in shown["disabled plugins"]
    # MyST renders in JupyterLab as in the book (jupyterlab-myst): notes and glossary terms, not markup
    assert "Stand-in:" in shown["markdown"] and "container" in shown["markdown"]
    assert ":::{note}" not in shown["markdown"] and "{term}" not in shown["markdown"]
    assert shown["news question"] == 0, "JupyterLab asked about its news"
    assert not [path for path in seen.local if path.startswith(("/lab/api/news", "/lab/api/update"))]
    assert seen.remote == [], "a learner without a network would miss these"
    assert shown["page errors"] == [], "\n".join(shown["page errors"])
    assert left == [], "the chapter's last cell left these"
