"""The book's Docker steps as Terminal and Python tabs, and each chapter's script beside its page.

A Sphinx extension, loaded by `_config.yml`. The notebooks stay the one source: at build time, every
code cell that names command lines (`dockyard.terminal.cell_commands`) shows a sphinx-design tab-set
in the HTML instead of its source:

- *Terminal*: the cell's commands as a console block, one `$ ` prompt per command. Long lines break
  at a word boundary outside quotes, heredoc bodies and comments, with ` \\` and a newline, so the
  displayed text runs as it stands in bash. The prompts (`.gp`) and the inserted breaks
  (`.dy-wrap`) are left out by sphinx-copybutton (`copybutton_exclude`), so its button copies the
  commands exactly as the chapter's script runs them.
- *Python*: the cell's code less its `# $` comment block (`dockyard.terminal.without_commands`).

The cell's output stays below both. The tabs share one sync group, and sphinx-design keeps the
reader's choice in the browser's local storage, so it holds on every page. Cells without command
lines render as myst-nb renders them.

Proof and bookkeeping cells carry myst-nb's hiding tags (tools/prooftags.py); none of them names a
command line, so none becomes a step. `remove-cell` never reaches this transform (myst-nb drops the
cell when it reads the notebook); `hide-cell` and `hide-input` wrap the cell in a toggle afterwards
(myst-nb's HideInputCells, priority 199), so a step so tagged would keep its tabs inside the toggle.

The pages named by `booktabs_scripts` (patterns of document names) also get a link to their
notebook's script (`dockyard.terminal.script`), written beside the page when the build finishes.
"""

from __future__ import annotations

import fnmatch
import io
import posixpath
import re
from pathlib import Path

from docutils import nodes
from pygments.formatters import HtmlFormatter
from pygments.lexers import BashLexer
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx_design.shared import create_component

from dockyard import terminal

LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

# Columns of a console line before it breaks, the `$ ` prompt included: the text column fits 75 at a
# laptop's 1280 pixels, beside both sidebars, and more once they fold away; a box around the step (an
# exercise's solution) takes NESTED of them. Narrower screens wrap what is left (booktabs.css).
WIDTH = 72
NESTED = 6
INDENT = "  "  # what a broken line's next part starts with, as Docker's docs write it
WRAP = f'<span class="dy-wrap">\\\n{INDENT}</span>'
SYNC_GROUP = "step"

_HEREDOC = re.compile(r"""<<(-?)[ \t]*(['"]?)\\?([A-Za-z_][A-Za-z0-9_]*)\2""")


def break_points(command: str, width: int = WIDTH, prompt: int = 2) -> list[int]:
    """Offsets in `command` before which its displayed form breaks a line with ` \\` and a newline.

    A break goes only where bash joins `\\`-newline back into the same words: at a space outside
    quotes, heredoc bodies and comments. A line whose words do not fit even so breaks after the
    word that overflows (the page then wraps it visibly)."""
    chosen: list[int] = []
    quote: str | None = None
    pending: list[tuple[str, bool]] = []  # heredocs opened on the current logical line
    body: list[tuple[str, bool]] = []  # heredocs whose bodies are being read
    offset, column = 0, prompt
    for line in command.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if body:
            delimiter, strip_tabs = body[0]
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                body.pop(0)
            column = 0
            continue
        candidates: list[int] = []
        continued = False
        i = 0
        while i < len(line):
            char = line[i]
            if quote == "'":
                quote = None if char == "'" else quote
            elif quote:  # double quotes or backticks: a backslash escapes the next character
                if char == "\\":
                    i += 1
                elif char == quote:
                    quote = None
            elif char == "\\":
                continued = i == len(line) - 1
                i += 1
            elif char in "'\"`":
                quote = char
            elif char == "#" and (i == 0 or line[i - 1] in " \t;|&("):
                break  # a comment runs to the end of the line
            elif line.startswith("<<<", i):
                i += 2
            elif char == "<" and (heredoc := _HEREDOC.match(line, i)):
                pending.append((heredoc.group(3), heredoc.group(1) == "-"))
                i = heredoc.end()
                continue
            elif char == " " and line[i + 1:i + 2] not in ("", " ", "\t") and line[i + 1:] != "\\":
                candidates.append(start + i + 1)
            i += 1
        chosen += _fit(command, candidates, start, start + len(line), column, width)
        column = 0
        if pending and not continued and quote is None:
            body, pending = pending, []
    return chosen


def _fit(command: str, candidates: list[int], start: int, end: int, column: int, width: int) -> list[int]:
    """Greedy breaks for one line, preferring to break before an option (`-x`, `--name`) so that a
    flag stays beside its value, unless that leaves the line less than half full."""
    chosen = []
    while column + end - start > width:
        later = [c for c in candidates if c > start]
        fitting = [c for c in later if column + c - start + 1 <= width]  # + 1: the `\`
        if not later:
            break
        options = [c for c in fitting if command[c] == "-" and 2 * (column + c - start) >= width]
        start = options[-1] if options else fitting[-1] if fitting else later[0]
        chosen.append(start)
        column = len(INDENT)
    return chosen


def console_html(commands: list[str], width: int = WIDTH) -> str:
    """The Terminal tab's block: each command after a `$ ` prompt, highlighted as bash, long lines
    broken at `break_points` by marks the copy button leaves out."""
    lexer, formatter = BashLexer(), HtmlFormatter(nowrap=True)
    lines = []
    for command in commands:
        tokens = list(lexer.get_tokens_unprocessed(command))
        edges = [0, *break_points(command, width), len(command)]
        parts = []
        for first, last in zip(edges, edges[1:], strict=False):
            piece = [(kind, value[max(first - at, 0):last - at]) for at, kind, value in tokens
                     if at < last and at + len(value) > first]
            out = io.StringIO()
            formatter.format(piece, out)
            # the formatter ends what it writes with a newline of its own
            parts.append(out.getvalue().removesuffix("\n"))
        lines.append('<span class="gp">$ </span>' + WRAP.join(parts))
    return ('<div class="highlight-console notranslate dy-terminal"><div class="highlight"><pre>'
            + "\n".join(lines) + "\n</pre></div></div>\n")


def _tab(label: str, sync_id: str, content: list[nodes.Node]) -> nodes.container:
    title = nodes.rubric(label, "", nodes.Text(label), classes=["sd-tab-label"],
                         sync_id=sync_id, sync_group=SYNC_GROUP)
    body = create_component("tab-content", classes=["sd-tab-content"], children=content)
    return create_component("tab-item", classes=["sd-tab-item"], children=[title, body])


def step_tabs(source: str, block: nodes.literal_block, width: int = WIDTH) -> nodes.container | None:
    """Terminal and Python tabs for a cell's source, or None when it names no command line."""
    commands = terminal.cell_commands(source)
    if not commands:
        return None
    tabs = [_tab("Terminal", "terminal", [nodes.raw("", console_html(commands, width), format="html")])]
    code = terminal.without_commands(source)
    if code.strip():
        python = block.deepcopy()
        python.rawsource = code
        python.children = [nodes.Text(code)]
        tabs.append(_tab("Python", "python", [python]))
    return create_component("tab-set", classes=["sd-tab-set", "dy-step"], children=tabs)


def _code_cells(document: nodes.document):
    for cell in document.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        for box in cell.children:
            if isinstance(box, nodes.container) and box.get("nb_element") == "cell_code_source":
                block = next(iter(box.findall(nodes.literal_block)), None)
                if block is not None:
                    yield cell, box, block


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def script_name(docname: str) -> str:
    return posixpath.basename(docname) + ".sh"


def has_script(app: Sphinx, docname: str) -> bool:
    return (any(fnmatch.fnmatch(docname, pattern) for pattern in app.config.booktabs_scripts)
            and str(app.env.doc2path(docname)).endswith(".ipynb"))


class StepTabs(SphinxPostTransform):
    """Runs before sphinx-design turns tab-sets into HTML (200) and myst-nb hides cells (199)."""

    default_priority = 190
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for cell, box, block in list(_code_cells(self.document)):
            boxes = sum(isinstance(around, nodes.Admonition) or around.get("design_component") == "dropdown"
                        for around in _ancestors(cell))
            try:
                tabs = step_tabs(block.astext(), block, WIDTH - NESTED * boxes)
            except terminal.NotALiteral as error:
                LOGGER.warning(f"cell {cell.get('cell_index')}: {error}", location=cell)
                continue
            if tabs is not None:
                box.children = [tabs]
                box["classes"].append("dy-step-input")
        if has_script(self.app, self.env.docname):
            self._link_script(self.env.docname)

    def _link_script(self, docname: str) -> None:
        name = script_name(docname)
        page = posixpath.dirname(self.app.builder.get_target_uri(docname))
        href = posixpath.relpath(posixpath.join(posixpath.dirname(docname), name), page or ".")
        link = addnodes.download_reference("", "", nodes.literal(name, name), refuri=href)
        paragraph = nodes.paragraph(
            "", "", nodes.strong("", "Run this chapter in a terminal:"), nodes.Text(" download "), link,
            nodes.Text(" (every command of this page, in order) into the course folder and run "),
            nodes.literal(f"bash {name}", f"bash {name}"), nodes.Text(" there."),
            classes=["dy-script"])
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is None:
            return
        where = next((index for index, child in enumerate(section.children)
                      if isinstance(child, nodes.paragraph) and child.astext().startswith("Time:")), 0)
        section.insert(where + 1, paragraph)


def write_scripts(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        if has_script(app, docname):
            target = Path(app.outdir) / posixpath.dirname(docname) / script_name(docname)
            target.write_text(terminal.script(Path(app.env.doc2path(docname))))


def add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(HERE / "booktabs.css"))


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_design")
    app.add_config_value("booktabs_scripts", [], "html")
    app.add_post_transform(StepTabs)
    app.add_css_file("booktabs.css")
    app.connect("builder-inited", add_static)
    app.connect("build-finished", write_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
