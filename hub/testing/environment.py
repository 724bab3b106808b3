"""A credential put into the environment for as long as a receiver runs.

Destinations name credentials by environment variable, never by value, so a receiver that logs the
hub in (the SFTP simulator's password, the FIT-Connect client secret) puts a fresh secret into the
variable its settings name, and restores what was there when it stops.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def environment_variable(name: str, value: str) -> Iterator[str]:
    """``name`` set to ``value`` while the block runs; its earlier value (or absence) afterwards."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield value
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


__all__ = ["environment_variable"]
