"""The inbound tests' servers and region (tests/inbound/conftest.py) serve the reply tests too: a
case must be received before it can be answered."""

from tests.inbound.conftest import (  # noqa: F401  (fixtures)
    backoffice_xta,
    backoffice_xta_server,
    inbound_region,
    portal,
    xta_server,
    xta_sim,
)
