"""Emscher-Lippe integration hub: durable intake, routing, mapping and delivery of online applications."""

__version__ = "0.1.0"
