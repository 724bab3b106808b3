"""``python -m hub`` is the ``hub`` command."""

from hub.ops.cli import main

main()
