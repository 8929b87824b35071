"""The course's command line: `python -m dockyard engine|images|cleanup ...`."""

from dockyard.cli import main

main()
