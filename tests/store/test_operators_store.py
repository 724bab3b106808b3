"""Operator accounts and console sessions on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hub.store.db import Database
from hub.store.operators import OperatorStore
from hub.store.tables import operator_account, operator_session

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def test_passwords_are_stored_as_argon2id_hashes_and_sessions_only_hashed(db: Database) -> None:
    # Given an operator with a session
    store = OperatorStore(db)
    account = store.create("anna", PASSWORD, role="viewer", municipalities=["05562014"])
    token = store.open_session(account)

    # Then neither the password nor the session token is stored in the clear
    with db.read() as conn:
        stored = conn.execute(select(operator_account.c.password_hash)).scalar_one()
        session_hashes = list(conn.execute(select(operator_session.c.token_hash)).scalars())
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert token not in session_hashes
    session = store.session(token)
    assert session is not None
    assert session.operator.name == "anna"
    assert len(session.csrf_token) >= 32


def test_a_session_ends_when_revoked_expired_or_its_account_disabled(db: Database) -> None:
    # Given three sessions: one revoked, one already expired, one of an account disabled later
    store = OperatorStore(db)
    anna = store.create("anna", PASSWORD, role="operator", municipalities=["*"])
    revoked = store.open_session(anna)
    store.revoke(revoked)
    expired = OperatorStore(db, session_hours=-1).open_session(anna)
    bob = store.create("bob", PASSWORD, role="operator", municipalities=["*"])
    disabled = store.open_session(bob)
    assert store.session(disabled) is not None
    store.disable("bob")

    # Then none of them opens the console any more, and bob cannot log in again
    assert store.session(revoked) is None
    assert store.session(expired) is None
    assert store.session(disabled) is None
    assert store.authenticate("bob", PASSWORD) is None
    assert store.session("not-a-token") is None
