"""Web sessions kept in the governance database, so they can be ended server-side.

The cookie carries only a random id (256 bits); the database keeps the id's SHA-256, the
session's data and its expiry. A cookie copied before logout is worthless afterwards: the
row is gone. Every server worker reads the same rows (DESIGN.md: shared state lives in the
governance database, never in process memory). Logout ends one session; a password change,
an account disabled and an MFA reset end all sessions of the account (`end_all`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import sqlalchemy as sa

from onconode.access.schema import web_session as table

LIFETIME = dt.timedelta(hours=8)


def new_id() -> str:
    """A fresh random session id for the cookie."""
    return secrets.token_urlsafe(32)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def _owner(data: dict[str, Any]) -> int | None:
    """The account a session belongs to, also while it waits for the MFA code."""
    owner = data.get("account_id", data.get("pending_account_id"))
    return int(owner) if owner is not None else None


def load(engine: sa.Engine, session_id: str, at: dt.datetime) -> dict[str, Any] | None:
    """The data of a live session, or None (unknown, ended or expired)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(table.c.data, table.c.expires_at).where(table.c.id_hash == _hash(session_id))).first()
    if row is None or row.expires_at <= _naive(at):
        return None
    return json.loads(row.data)


def create(engine: sa.Engine, session_id: str, data: dict[str, Any], at: dt.datetime, lifetime: dt.timedelta = LIFETIME) -> None:
    """Store a new session; expired rows are swept at the same time."""
    now = _naive(at)
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.expires_at <= now))
        conn.execute(table.insert().values(id_hash=_hash(session_id), account_id=_owner(data), data=json.dumps(data),
                                           created_at=now, expires_at=now + lifetime))


def save(engine: sa.Engine, session_id: str, data: dict[str, Any]) -> bool:
    """Update a live session's data. Never recreates an ended one: a request still running
    when its session was revoked cannot bring it back. Returns whether it still existed."""
    with engine.begin() as conn:
        done = conn.execute(table.update().where(table.c.id_hash == _hash(session_id))
                            .values(data=json.dumps(data), account_id=_owner(data)))
    return bool(done.rowcount)


def end(engine: sa.Engine, session_id: str) -> None:
    """End one session (logout, or a new id issued at login)."""
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.id_hash == _hash(session_id)))


def end_all(conn: sa.Connection, account_id: int) -> int:
    """End every session of an account, inside the caller's transaction; returns how many."""
    return conn.execute(table.delete().where(table.c.account_id == account_id)).rowcount
