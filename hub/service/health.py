"""Whether this process can serve: its database answers, and attachments can be scanned.

``is_outage`` tells a database that is down or overloaded (the API answers 503 with
``Retry-After``) from a statement that is wrong (the hub's bug: 500).
"""

from __future__ import annotations

from collections.abc import Callable

from hub.scanning import Scanner
from hub.service.ports import DatabaseProbe


class Health:
    def __init__(self, database: DatabaseProbe, scanner: Scanner, is_outage: Callable[[BaseException], bool]) -> None:
        self.database = database
        self.scanner = scanner
        self.is_outage = is_outage

    @property
    def database_kind(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.database.dialect

    def database_ready(self) -> bool:
        try:
            self.database.ping()
        except Exception:  # whatever fails, the process cannot serve: not ready
            return False
        return True

    def scanner_ready(self) -> bool:
        """False while the scanner is down: intake refuses every attachment meanwhile."""
        return self.scanner.ready()

    @property
    def scanning(self) -> str:
        """What scans attachments (``off``: nothing does), as ``/readyz`` reports it."""
        return self.scanner.description
