"""Tenancy: the municipalities (and services) a portal client or an operator may act for.

Tenants are municipalities, named by their AGS. A portal client posts submissions for the
municipalities (and, if it is restricted to some, the services) it serves; an operator sees and
acts on the data of the municipalities they look after. ``*`` stands for all of them. An operator
scoped to some municipalities does not see region-wide destinations (those of no municipality).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

ALL_MUNICIPALITIES = "*"

ROLE_PORTAL = "portal"
"""An API client that posts submissions and reads their status."""
ROLE_OPERATOR = "operator"
"""An API client, or a console account, that looks after deliveries: replays, pauses, resumes."""
ROLE_ADMIN = "admin"
"""An API client, or a console account, that also reads the audit log (and, in the console, personal data)."""
ROLE_BACK_OFFICE = "back-office"
"""An API client of a back office (Fachverfahren, DMS) that posts replies to cases of its municipalities."""
CLIENT_ROLES = (ROLE_PORTAL, ROLE_OPERATOR, ROLE_ADMIN, ROLE_BACK_OFFICE)

ROLE_VIEWER = "viewer"
OPERATOR_ROLES = (ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN)
"""Console accounts: viewers look, operators act as well, admins also see personal data."""


def everywhere(municipalities: Set[str]) -> bool:
    return ALL_MUNICIPALITIES in municipalities


def sees(municipalities: Set[str], municipality: str | None) -> bool:
    """Whether a tenant of ``municipalities`` may see data of ``municipality`` (None: region-wide)."""
    if everywhere(municipalities):
        return True
    return municipality is not None and municipality in municipalities


def scope(municipalities: Set[str]) -> list[str] | None:
    """The municipalities to filter reads by, or None for all of them."""
    return None if everywhere(municipalities) else sorted(municipalities)


@dataclass(frozen=True)
class ApiClient:
    """A portal (or an operator's tool) holding an API key."""

    id: str
    name: str
    municipalities: frozenset[str]
    services: frozenset[str] | None
    """None: every service."""
    roles: frozenset[str]
    callback_url: str | None
    callback_secret: str | None

    def may_act_for(self, municipality: str, service: str | None = None) -> bool:
        """May this client post (or read) submissions of ``service`` for ``municipality``?"""
        if not sees(self.municipalities, municipality):
            return False
        return service is None or self.services is None or service in self.services

    @property
    def scope(self) -> list[str] | None:
        """The municipalities its operator reads are filtered by, or None for all of them."""
        return scope(self.municipalities)


@dataclass(frozen=True)
class OperatorAccount:
    """A person's account for the operator console."""

    id: str
    name: str
    role: str
    municipalities: frozenset[str]

    @property
    def all_municipalities(self) -> bool:
        return everywhere(self.municipalities)

    def sees(self, municipality: str | None) -> bool:
        """May this operator see data of ``municipality`` (None: a region-wide destination)?"""
        return sees(self.municipalities, municipality)

    @property
    def scope(self) -> list[str] | None:
        """The municipalities to filter by, or None for all of them."""
        return scope(self.municipalities)

    @property
    def may_act(self) -> bool:
        """Viewers look; operators and admins replay, pause, resume and reset circuits."""
        return self.role in (ROLE_OPERATOR, ROLE_ADMIN)

    @property
    def sees_personal_data(self) -> bool:
        return self.role == ROLE_ADMIN
