"""Run the CLI as `python -m chartspec`."""

try:
    from chartspec.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting: one line, as during a command
    from chartspec.errors import Interrupted

    Interrupted.end_process()

main()
