"""What every explorer shares: a stable repr for nbval, and writing into an Output widget."""

from __future__ import annotations

import ipywidgets as widgets


class Explorer(widgets.VBox):
    """Base of the explorers. Its text/plain repr names it, not its volatile children, so the
    committed notebook compares the same on every engine (nbval compares a widget's text/plain)."""

    def summary(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()})"


def write(out: widgets.Output, text: str) -> None:
    """Append text to an Output widget from a callback (nbval cannot compare `with out: print()`)."""
    out.append_stdout(text if text.endswith("\n") else text + "\n")


def replace(out: widgets.Output, text: str) -> None:
    """Replace an Output widget's content with text, from a callback or at construction."""
    out.outputs = ({"output_type": "stream", "name": "stdout", "text": text},)
