"""An example connector plugin for the hub: ``echo-json`` POSTs a submission as plain JSON to a URL.

It is installed like any plugin (``pip install ./hub-connector-example``) and found by the hub through
its ``hub.connectors`` entry point; ``tests/test_conformance.py`` is its whole basic test.
"""

from __future__ import annotations

from emscher_echo_connector.connector import EchoJsonConnector

__all__ = ["EchoJsonConnector"]
