"""Pictures drawn from the engine's real state with matplotlib. Each function returns a Figure;
`show(fig)` displays it as a PNG (nbval does not compare PNG data, only the stable text/plain).
The alt text of a figure lives in its cell's metadata (`mystnb.image.alt`), where the book reads it."""
