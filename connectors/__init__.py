"""Connectors shipped with the hub, one package per kind of target system."""
