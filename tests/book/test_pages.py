"""The built book, opened in a real browser: real outputs on the pages, nothing fetched from afar."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
import yaml

from dockyard import terminal
from tests.support.browser import chromium_path
from tools import booktabs, widgetjs

ROOT = Path(__file__).resolve().parents[2]
playwright = pytest.importorskip("playwright.sync_api")


def toc_pages() -> list[str]:
    """Every page of the book, in the order of its table of contents."""
    def walk(entries):
        for entry in entries:
            yield entry["file"]
            yield from walk(entry.get("sections", []))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [page for part in toc["parts"] for page in walk(part["chapters"])]


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"]
            if entry["file"].startswith("chapters/")]


SITE_ROOT: list[Path] = []  # the built site's folder, for checking links against files
SCREENSHOTS = ROOT / "_build" / "screenshots"


# The pages are answered from the built files by the browser's request routing, not over a socket:
# Docker adding or removing a container's network interface (the terminal scripts beside these tests
# do, all the time) makes Chromium fail what it has in flight with net::ERR_NETWORK_CHANGED, even on
# loopback, and a page that lost its widget script renders no widget. Routed requests never reach
# Chromium's network stack, so the pages load as they would from a quiet server.
ORIGIN = "http://127.0.0.1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the book from the committed outputs into a temporary folder; its pages open at ORIGIN."""
    out = tmp_path_factory.mktemp("book")
    widgetjs.ensure()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
                    "--warningiserror", "--nitpick", "--keep-going"], check=True, capture_output=True)
    SITE_ROOT[:] = [out / "_build/html"]
    return ORIGIN


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


def built_file(url: str) -> Path | None:
    """The built file a URL under ORIGIN names, as a static server would pick it."""
    path = SITE_ROOT[0] / unquote(urlparse(url).path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def open_page(browser, url):
    """Open url with the built book as its only source; return the page, the requests that tried to
    leave, and the page's errors: script errors and files the page asked for that the book lacks."""
    remote, errors = [], []

    def stay_local(route):
        # refuse everything outside the book, as a reader offline would see it
        if urlparse(route.request.url).hostname != "127.0.0.1":
            remote.append(route.request.url)
            route.abort()
        elif (path := built_file(route.request.url)) is None:
            errors.append(f"not in the built book: {route.request.url}")
            route.fulfill(status=404, body="not in the built book")
        else:
            route.fulfill(path=str(path))

    page = browser.new_page()
    page.route("**/*", stay_local)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    return page, remote, errors


@pytest.fixture(scope="module")
def pages(site, browser):
    """A page of the book by its name, each opened once and shared by the tests that read it: a page
    load is most of a test's time, and reading a page does not change it."""
    opened = {}

    def page_named(name: str):
        if name not in opened:
            opened[name] = open_page(browser, f"{site}/{name}.html")
        return opened[name]

    yield page_named
    for page, _, _ in opened.values():
        page.close()


@pytest.mark.parametrize("chapter", toc_chapters())
def test_every_chapter_shows_its_committed_outputs_offline(pages, chapter):
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    with_output = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.outputs
                   and "remove-cell" not in cell.metadata.get("tags", [])]
    page, remote, errors = pages(chapter)
    assert page.locator("h1").first.inner_text().strip("#¶ \n")
    assert page.locator(".cell_output").count() >= len(with_output)
    assert remote == [], "a reader without a network would miss these"
    assert errors == []


def test_the_images_page_shows_the_app_answering(pages):
    page, _, _ = pages("chapters/02-images")
    outputs = page.locator(".cell_output").all_inner_texts()
    assert any("1.0    -> 200 Hello from Docker!" in text for text in outputs)
    cached = "=> CACHED [4/5] RUN pip install --no-cache-dir -r requirements.txt"
    assert any(cached in text for text in outputs)


def toc_exercises() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [section["file"] for part in toc["parts"] for entry in part["chapters"]
            for section in entry.get("sections", []) if section["file"].startswith("exercises/")]


def test_every_chapter_has_its_exercises_page_beside_it():
    assert [Path(page).name for page in toc_exercises()] == [Path(page).name for page in toc_chapters()]


@pytest.mark.parametrize("exercises", toc_exercises())
def test_exercise_pages_keep_hints_and_solutions_collapsed(pages, exercises):
    page, remote, errors = pages(exercises)
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


def test_the_home_page_links_every_chapter(pages):
    page, _, _ = pages("intro")
    links = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for chapter in toc_chapters():
        assert any(chapter.split("/")[-1] + ".html" in (href or "") for href in links), chapter


def widget_views(notebook) -> int:
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)


def chapters_with_widgets() -> list[str]:
    return [chapter for chapter in toc_chapters()
            if widget_views(nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4))]


def test_some_chapters_carry_widgets():
    assert len(chapters_with_widgets()) >= 5, "the explorers sit in their chapters"


@pytest.mark.parametrize("chapter", chapters_with_widgets())
def test_widgets_render_offline_with_their_saved_state(pages, chapter):
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    assert notebook.metadata.get("widgets"), "the notebook was saved without widget state"
    page, remote, errors = pages(chapter)
    # 60 s is a bound, not a speed test: beside a second test worker a page renders slowly
    views = page.locator(".widget-subarea")
    views.nth(widget_views(notebook) - 1).wait_for(timeout=60000)
    assert views.count() == widget_views(notebook)
    assert all(view.is_visible() for view in views.all())
    assert page.locator(".widget-subarea .widget-button").count() >= 1
    # every Output widget came back with what the run wrote into it
    assert all(output.inner_text().strip() for output in page.locator(".widget-subarea .widget-output").all())
    assert page.get_by_text("Live kernel:").count() == widget_views(notebook)
    assert remote == [] and errors == []


@pytest.mark.parametrize("chapter", toc_chapters())
def test_every_picture_has_alt_text(pages, chapter):
    page, _, _ = pages(chapter)
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.locator(".widget-subarea").first.wait_for(timeout=60000)
    images = page.locator("article img, .widget-subarea img")
    missing = [image.get_attribute("src")[:60] for image in images.all()
               if not (image.get_attribute("alt") or "").strip()]
    assert missing == []


@pytest.mark.parametrize("page_name", toc_pages())
def test_headings_go_down_one_level_at_a_time(pages, page_name):
    page, _, _ = pages(page_name)
    levels = page.locator("article :is(h1, h2, h3, h4, h5, h6)").evaluate_all(
        "all => all.map(h => Number(h.tagName[1]))")
    assert levels[:1] == [1] and levels.count(1) == 1, levels
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert jumps == [], f"a heading skips a level: {jumps}"


@pytest.mark.parametrize("page_name", toc_pages())
def test_no_internal_link_is_broken(site, pages, page_name):
    page, _, _ = pages(page_name)
    targets = page.locator("a[href]").evaluate_all("all => all.map(a => a.href)")
    broken = []
    for target in {t for t in targets if t.startswith(site)}:
        built, fragment = built_file(target), urlparse(target).fragment
        if built is None:
            broken.append(target)
        elif fragment and built.suffix == ".html" and f'id="{fragment}"' not in built.read_text():
            broken.append(target)
    assert broken == []


def test_widget_controls_are_reachable_from_the_keyboard(pages):
    chapter = chapters_with_widgets()[0]
    page, _, _ = pages(chapter)
    button = page.locator(".widget-subarea .widget-button").first
    button.wait_for(timeout=60000)
    button.focus()
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    assert button.evaluate("b => b.tabIndex") >= 0


def test_screenshots_of_a_chapter_and_an_exercise_page(pages):
    """Saved for a person to look at (test artifacts), not compared."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, page_name in [("chapter", toc_chapters()[1]), ("exercise", toc_exercises()[1])]:
        page, _, _ = pages(page_name)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")  # other tests may have scrolled the shared page
        shot = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 20_000, "a blank page would be a few kilobytes"
    # a Docker step: its Terminal and Python tabs over its output
    page, _, _ = pages(toc_chapters()[1])
    step = page.locator("div.cell:has(.dy-step)").nth(2)
    step.scroll_into_view_if_needed()
    step.screenshot(path=str(SCREENSHOTS / "step.png"))


# A Docker step in the book: a code cell that names command lines shows them in a Terminal tab, its code in
# a Python tab, its output below both (tools/booktabs.py).

def docker_steps(notebook) -> list:
    """The code cells of a notebook that the book shows as Terminal and Python tabs, in page order."""
    removed = {"remove-input", "remove_input", "remove-cell", "remove_cell"}
    return [cell for cell in notebook.cells if cell.cell_type == "code"
            and not removed & set(cell.metadata.get("tags", [])) and terminal.cell_commands(cell.source)]


def chosen_tabs(page) -> list[str]:
    """The label of the chosen tab of each step, collapsed ones (in a closed solution) included."""
    return [text.strip() for text in page.locator(".dy-step > input:checked + label").all_text_contents()]


@pytest.mark.parametrize("chapter", toc_chapters())
def test_every_docker_step_shows_terminal_and_python_tabs(pages, chapter):
    steps = docker_steps(nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4))
    page, _, _ = pages(chapter)
    tab_sets = page.locator("div.cell .sd-tab-set")
    assert tab_sets.count() == len(steps) > 0
    labels = tab_sets.evaluate_all(
        "all => all.map(s => Array.from(s.querySelectorAll(':scope > label'), l => l.innerText.trim()))")
    assert labels == [["Terminal", "Python"]] * len(steps)
    assert chosen_tabs(page) == ["Terminal"] * len(steps), "the command leads"
    # the output stays below both tabs
    with_output = sum(bool(cell.outputs) for cell in steps)
    assert page.locator("div.cell:has(> .cell_input .dy-step) > .cell_output").count() == with_output
    # a long line breaks or wraps: no console block scrolls sideways
    terminals = page.locator(".dy-terminal pre")
    assert terminals.count() == len(steps)
    wider = terminals.evaluate_all("all => all.filter(pre => pre.scrollWidth > pre.clientWidth).length")
    assert wider == 0


@pytest.mark.parametrize("page_name", toc_chapters() + toc_exercises())
def test_no_cell_shows_a_comment_marker(pages, page_name):
    """The `# $` lines are the notebook's form of a command; the book shows the command instead. Hidden
    text counts too: the Python tabs and collapsed solutions open at a click."""
    page, _, _ = pages(page_name)
    assert [text for text in page.locator("div.cell").all_text_contents() if "# $" in text] == []


# Paragraphs of these chapters still tell the reader about the `# $` lines (notebook cell ids); once their
# text speaks of the tabs and the script instead, take the chapter out of this list.


@pytest.mark.parametrize("chapter", toc_chapters())
def test_no_comment_marker_is_visible_on_a_chapter_page(pages, chapter):
    page, _, _ = pages(chapter)
    assert "# $" not in page.locator("body").inner_text()


def _steps_where(test) -> tuple[str, int, str]:
    """The first Docker step of the book whose source passes `test`: chapter, its place among the
    page's steps, its cell source."""
    for chapter in toc_chapters():
        for place, cell in enumerate(docker_steps(nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4))):
            if test(cell.source):
                return chapter, place, cell.source
    raise LookupError("no such step in the book")


def _longest_line(source: str) -> int:
    return max(len(line) for command in terminal.cell_commands(source) for line in command.splitlines())


COPIED_STEPS = {
    # a heredoc in the cell's `# $` block: its body and end marker go with the command
    "heredoc": lambda source: "\n#   EOF" in source,
    # a line four times as long as the block is wide, with a quoted script that no ` \` can break
    "long-line": lambda source: _longest_line(source) > 4 * booktabs.WIDTH,
    # a dockyard.build call whose command opens a heredoc on a line too long for the block
    "build-heredoc": lambda source: "dockyard.build(" in source and "<<'EOF'" in source
                                    and _longest_line(source) > booktabs.WIDTH,
    # several commands in one step: one line each, the prompts left out
    "several": lambda source: len(terminal.cell_commands(source)) >= 4,
}


@pytest.fixture
def clipboard_context(browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    yield context
    context.close()


@pytest.mark.parametrize("kind", COPIED_STEPS)
def test_the_copy_button_copies_the_commands_the_terminal_test_runs(site, clipboard_context, kind):
    chapter, place, source = _steps_where(COPIED_STEPS[kind])
    page, remote, errors = open_page(clipboard_context, f"{site}/{chapter}.html")
    terminal_tab = page.locator(".dy-step").nth(place).locator(".dy-terminal")
    terminal_tab.scroll_into_view_if_needed()
    terminal_tab.hover()
    terminal_tab.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == "\n".join(terminal.cell_commands(source))
    assert not any(line.startswith(("$ ", "# $")) for line in copied.splitlines())
    if kind in ("long-line", "build-heredoc"):
        shown = terminal_tab.locator("pre").inner_text()
        assert " \\\n" + booktabs.INDENT in shown, "the line is broken where bash joins it back"
        assert terminal_tab.locator("pre").evaluate("pre => pre.scrollWidth <= pre.clientWidth")
    assert remote == [] and errors == []


def test_the_readers_choice_of_tab_holds_on_the_next_page(site, browser):
    context = browser.new_context()
    try:
        page, _, errors = open_page(context, f"{site}/{toc_chapters()[1]}.html")
        page.locator(".dy-step").first.locator("label", has_text="Python").click()
        assert set(chosen_tabs(page)) == {"Python"}, "every step of the page follows"
        page.locator("a.right-next").click()  # the book's own link to the next page
        page.wait_for_load_state("load")
        assert page.locator(".dy-step").count() > 0
        assert set(chosen_tabs(page)) == {"Python"}
        assert not page.locator(".dy-terminal").first.is_visible()
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("chapter", toc_chapters())
def test_every_chapter_links_its_terminal_script(pages, chapter):
    page, _, _ = pages(chapter)
    name = f"{Path(chapter).name}.sh"
    link = page.locator(f"article a[href$='{name}']")
    assert link.count() == 1 and link.is_visible()
    assert link.get_attribute("download") is not None
    text = page.evaluate("href => fetch(href).then(answer => answer.text())", link.get_attribute("href"))
    assert text == terminal.script(ROOT / f"{chapter}.ipynb")


# Proof one click away: the asserts and checks that keep the outputs honest run under nbval, and the
# page hides them (tools/prooftags.py): removed, or behind a toggle where they are a measured claim's
# evidence.

PROOF_LINES = ("assert ", "verified(", "dockyard.verified(")


def tagged(notebook, tag: str) -> list:
    return [cell for cell in notebook.cells
            if cell.cell_type == "code" and tag in cell.metadata.get("tags", [])]


def shown_inputs(page) -> list[str]:
    """The text of every code cell input the reader sees as the page opens: a tab not chosen and a
    toggle not opened show nothing."""
    return page.locator("div.cell .cell_input").evaluate_all(
        "all => all.filter(e => e.getClientRects().length > 0).map(e => e.innerText)")


@pytest.mark.parametrize("chapter", toc_chapters())
def test_no_proof_code_is_visible_on_a_chapter_page(pages, chapter):
    page, _, _ = pages(chapter)
    inputs = shown_inputs(page)
    assert inputs, "the steps' inputs are on the page"
    proof = [line for text in inputs for line in text.splitlines() if line.lstrip().startswith(PROOF_LINES)]
    assert proof == []
    # a removed cell leaves no trace, not even in hidden text
    text = page.locator("article").text_content()
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    removed = [cell.id for cell in tagged(notebook, "remove-cell") if cell.source.splitlines()[-1] in text]
    assert removed == []


def chapters_with(*tags: str) -> list[str]:
    return [chapter for chapter in toc_chapters()
            if any(tagged(nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4), tag) for tag in tags)]


def test_some_proof_is_kept_one_click_away():
    assert chapters_with("hide-cell") and chapters_with("hide-input")


@pytest.mark.parametrize("chapter", chapters_with("hide-cell", "hide-input"))
def test_hidden_evidence_opens_with_one_click(pages, chapter):
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    page, remote, errors = pages(chapter)
    for tag, output_shown in (("hide-cell", False), ("hide-input", True)):
        cells = tagged(notebook, tag)
        boxes = page.locator(f"div.cell.tag_{tag}")
        assert boxes.count() == len(cells)
        for box, cell in zip(boxes.all(), cells, strict=True):
            code = box.locator(".cell_input")
            assert not code.is_visible()
            assert box.locator(".cell_output").is_visible() == (output_shown and bool(cell.outputs))
            toggle = box.locator("details > summary").first
            assert toggle.is_visible()
            toggle.click()
            try:
                assert code.is_visible()
                assert cell.source.splitlines()[-1].strip() in code.inner_text()
            finally:
                toggle.click()  # closed again: the page is shared with the other tests
            assert not code.is_visible()
    assert remote == [] and errors == []
