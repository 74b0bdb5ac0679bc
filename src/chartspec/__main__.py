"""Run the CLI as `python -m chartspec`."""

from chartspec.cli import main

main()
