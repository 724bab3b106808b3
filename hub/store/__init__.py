"""Persistence: the database is the source of truth for submissions, deliveries and their events.

The store writes the decisions it is handed (the domain's transitions, statuses, callbacks) and
reads them back; it decides nothing itself.
"""

from hub.store.db import Database

__all__ = ["Database"]
