"""Email confirmation of self-registered accounts: single-use, expiring links.

A link carries a random 256-bit token; only its SHA-256 is stored (its entropy makes a
slow hash unnecessary), so someone reading the database cannot confirm an account.
Confirming also asks for the password chosen at registration: whoever registered an
address they do not own cannot have its owner activate an account whose password the
registrant knows. Every failure answers the same way, whether the token is unknown,
used, expired or the password wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from onconode.access import audit
from onconode.access.db import Governance, GovernanceError
from onconode.access.identity import Account, get_account, hasher
from onconode.access.schema import account as account_table
from onconode.access.schema import email_confirmation as token_table

VALID_FOR = dt.timedelta(hours=48)


class ConfirmationError(GovernanceError):
    """The link cannot confirm an account; the message never says which check failed."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def valid_for(gov: Governance) -> dt.timedelta:
    """How long a link works: 48 hours unless the node sets `confirmation_hours`."""
    hours = gov.options.get("confirmation_hours")
    return dt.timedelta(hours=float(hours)) if hours else VALID_FOR


def issue_token(gov: Governance, account_id: int, at: dt.datetime | None = None) -> str:
    """A new confirmation token for an unconfirmed account; earlier unused ones stop working."""
    at = audit.utc(at)
    token = secrets.token_urlsafe(32)

    def work(conn: sa.Connection) -> str:
        naive = at.replace(tzinfo=None)
        conn.execute(token_table.update().where(token_table.c.account_id == account_id, token_table.c.used_at.is_(None))
                     .values(used_at=naive))
        conn.execute(token_table.insert().values(token_hash=_hash(token), account_id=account_id,
                                                 expires_at=naive + valid_for(gov)))
        return token

    return audit.run_with_retry(gov.engine, work)


def confirm_email(gov: Governance, token: str, password: str, at: dt.datetime | None = None) -> Account:
    """Activate the account the token was issued for; the token is then spent."""
    at = audit.utc(at)
    naive = at.replace(tzinfo=None)
    ph = hasher(gov)
    refused = ConfirmationError("this confirmation link is not valid (it may have expired or been used already), "
                                "or the password is not the one chosen at registration; register again for a new link")

    def work(conn: sa.Connection) -> Account:
        rows = conn.execute(sa.select(token_table.c.account_id, account_table.c.password_hash)
                            .join(account_table, account_table.c.id == token_table.c.account_id)
                            .where(token_table.c.token_hash == _hash(token), token_table.c.used_at.is_(None),
                                   token_table.c.expires_at > naive)).fetchall()
        if not rows:
            raise refused
        try:
            ph.verify(rows[0].password_hash, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        account_id = rows[0].account_id
        conn.execute(token_table.update().where(token_table.c.token_hash == _hash(token)).values(used_at=naive))
        conn.execute(account_table.update().where(account_table.c.id == account_id, account_table.c.confirmed_at.is_(None))
                     .values(confirmed_at=naive))
        audit.record(conn, f"account:{account_id}", account_id, at, "email_confirmed", {})
        return get_account(conn, account_id)

    return audit.run_with_retry(gov.engine, work)
