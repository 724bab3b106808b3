"""Persistence: the database is the source of truth for submissions, deliveries and their events."""

from hub.store.db import Database

__all__ = ["Database"]
