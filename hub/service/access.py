"""Who is asking: portals and operators by API key, console operators by password and session.

The API authenticates every request by its key; the console logs operators in with their own
accounts and keeps a server-side session. Logins, failed ones and logouts are audited with the
actor ``console:<name>``. The account and client types are the domain's (:mod:`hub.domain.tenancy`),
named here so that the entry points find them beside the use cases.
"""

from __future__ import annotations

from hub.domain.tenancy import ROLE_ADMIN, ROLE_OPERATOR, ROLE_PORTAL, ApiClient, OperatorAccount
from hub.service.ports import ApiKeys, AuditTrail, OperatorAccounts
from hub.store.operators import OperatorSession

__all__ = ["ROLE_ADMIN", "ROLE_OPERATOR", "ROLE_PORTAL", "Access", "ApiClient", "OperatorAccount", "OperatorSession"]


class Access:
    def __init__(self, keys: ApiKeys, accounts: OperatorAccounts, audit: AuditTrail) -> None:
        self.keys = keys
        self.accounts = accounts
        self.audit = audit

    @property
    def session_seconds(self) -> int:
        return int(self.accounts.session_hours * 3600)

    def client_for_key(self, key: str) -> ApiClient | None:
        """The enabled client holding this API key, or None."""
        return self.keys.authenticate(key)

    def login(self, name: str, password: str) -> str | None:
        """A new session's token for the operator, or None (a wrong name or password; audited either way)."""
        account = self.accounts.authenticate(name, password)
        if account is None:
            self.audit.record(f"console:{name[:100]}", "login_failed")
            return None
        token = self.accounts.open_session(account)
        self.audit.record(f"console:{account.name}", "login")
        return token

    def session(self, token: str) -> OperatorSession | None:
        """The live session of this token (None: expired, revoked, or its account disabled)."""
        return self.accounts.session(token)

    def logout(self, token: str, *, actor: str) -> None:
        self.accounts.revoke(token)
        self.audit.record(actor, "logout")
