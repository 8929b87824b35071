"""`make lab`: JupyterLab on the course's notebooks, for root or anyone, asking nothing of the internet.

`python -m tools.lab [--notebook-dir DIR] [jupyter lab options ...]` is what `make lab` runs, and
the lab test (tests/lab) starts the server the same way, adding only its port, token and --no-browser.

- Jupyter refuses to start as root unless told `--allow-root`; it is passed as root, and only then.
- No news pop-up and no update checks (JupyterLab 4.6, read in its source):
  - the frontend plugin `@jupyterlab/apputils-extension:announcements` asks "Would you like to get
    notified about official Jupyter news?" whenever its `fetchNews` setting is unset, whatever the
    server says, and it is also what asks for updates. It is disabled for this environment
    (`.venv/etc/jupyter/labconfig/page_config.json`), as `jupyter labextension disable
    --level=sys_prefix` does (JupyterLab then marks it locked there too); the learner's own settings
    and other environments stay untouched;
  - `--LabApp.news_url=None`: the server's news endpoint fetches no feed;
  - `--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate`: its update endpoint asks
    nobody.
- JupyterLab serves its whole frontend itself, so it works offline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
QUIET = ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def command(notebook_dir: str | Path = ROOT, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The argv of the JupyterLab server: this venv's Python, the quiet flags, --allow-root as root."""
    argv = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}", *QUIET]
    if is_root():
        argv.append("--allow-root")
    return argv + list(extra)


def disable_announcements() -> bool:
    """Disable the news and update plugin for this environment; True if it was enabled until now."""
    from jupyterlab_server.config import get_static_page_config, write_page_config

    config = get_static_page_config(level="sys_prefix")
    disabled = config.get("disabledExtensions") or {}
    if isinstance(disabled, list):
        disabled = dict.fromkeys(disabled, True)
    if disabled.get(ANNOUNCEMENTS) is True:
        return False
    config["disabledExtensions"] = {**disabled, ANNOUNCEMENTS: True}
    write_page_config(config, level="sys_prefix")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.lab", allow_abbrev=False,
                                     description="JupyterLab on the course's notebooks; other options "
                                                 "go to `jupyter lab` as they are.")
    parser.add_argument("--notebook-dir", default=str(ROOT), help="default: the course's folder")
    args, extra = parser.parse_known_args(argv)
    try:
        disable_announcements()
    except ImportError:
        sys.exit("JupyterLab is not installed in this environment: `make lab` installs requirements/lab.txt.")
    except OSError as error:
        print(f"[lab] could not turn JupyterLab's news question off ({error}); answer it with No.",
              file=sys.stderr)
    argv = command(args.notebook_dir, extra)
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
