"""Run the CLI as `python -m chartspec`."""

import sys

try:
    from chartspec.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting: one line, as during a command
    print("chartspec: interrupted", file=sys.stderr)
    sys.exit(130)

main()
