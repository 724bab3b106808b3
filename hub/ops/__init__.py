"""Operator tooling: the ``hub`` command line."""
