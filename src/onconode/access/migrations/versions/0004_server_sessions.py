"""Server-side sessions and shared rate limits.

`web_session`: the browser's cookie holds only a random session id; the row, keyed by the
id's SHA-256 (a leaked database gives no usable cookie), holds the session's data, its
account and its expiry. Deleting the row ends the session everywhere at once: logout,
password change, account disabled and MFA reset do so. `rate_event`: one row per counted
action (a failed login per account and per address, a new application per account), so
every server worker sees the same counts.

Revision ID: 0004_sessions
Revises: 0003_at_rest
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_sessions"
down_revision = "0003_at_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=True, index=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "rate_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(40), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Index("ix_rate_event_bucket_key_at", "bucket", "key", "at"),
    )


def downgrade() -> None:
    op.drop_table("rate_event")
    op.drop_table("web_session")
