"""The governance database's tables, defined once (SQLAlchemy Core).

The Alembic migrations create these tables; nothing else does. Application state is not
stored here: it is a fold over the `event` table, which is also the hash-chained audit
trail. Accounts and keys are the only rows that change, and every change to them also
appends an event.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

organisation = sa.Table(
    "organisation",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("sector", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("surname", sa.String(200), nullable=False),
    sa.Column("organisation_id", sa.String(64), sa.ForeignKey("organisation.id"), nullable=True),
    sa.Column("hospital_code", sa.String(64), nullable=True),
    sa.Column("position", sa.String(200), nullable=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("totp_secret", sa.Text, nullable=True),  # sealed (secretbox), never plaintext
    sa.Column("mfa_enabled", sa.Boolean, nullable=False, default=False),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("confirmed_at", sa.DateTime, nullable=True),  # NULL: self-registered, email not yet proven
)

email_confirmation = sa.Table(
    "email_confirmation",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False, index=True),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("used_at", sa.DateTime, nullable=True),
)

recovery_code = sa.Table(
    "recovery_code",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False, index=True),
    sa.Column("code_hash", sa.String(200), nullable=False),
    sa.Column("used_at", sa.DateTime, nullable=True),
)

role_grant = sa.Table(
    "role_grant",
    metadata,
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), primary_key=True),
    sa.Column("role", sa.String(40), primary_key=True),
)

application = sa.Table(
    "application",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

event = sa.Table(
    "event",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("stream", sa.String(80), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("actor", sa.Integer, nullable=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("stream", "seq", name="uq_event_stream_seq"),
)

attachment = sa.Table(
    "attachment",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

signing_key = sa.Table(
    "signing_key",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("private_jwk", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's random id
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=True, index=True),
    sa.Column("data", sa.Text, nullable=False),  # the session's JSON (CSRF token, MFA state, ...)
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)

rate_event = sa.Table(
    "rate_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bucket", sa.String(40), nullable=False),  # what is counted: login-account, login-address, new-application
    sa.Column("key", sa.String(400), nullable=False),  # whose: an account id, an address
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_rate_event_bucket_key_at", "bucket", "key", "at"),
)
