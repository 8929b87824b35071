"""Authoring and rehearsal tools: the cheat sheet, the widget scripts for the book, lint, JupyterLab for
`make lab`, benchmarks, and the rehearsal of other engines and platforms. Run them from the repository
root as `python -m tools.NAME`."""
