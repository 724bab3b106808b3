"""The ``hub`` command: :mod:`hub.cli.main` holds the click group, one module per command group.

The command modules never import :mod:`hub.cli.main`; it imports them and registers their
commands. What they share (the terminal, the settings, the hub built from them) is in
:mod:`hub.cli.context`.
"""
