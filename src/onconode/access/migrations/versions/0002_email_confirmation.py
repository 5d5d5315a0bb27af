"""Self-registered accounts prove their email before they can log in.

`account.confirmed_at` is NULL until the owner of the address opens the confirmation
link; every account that existed before this revision counts as confirmed (it was
created by the office, an admin or the demo). Confirmation tokens are stored as SHA-256
hashes with an expiry and a used time, so a leaked database cannot confirm anything and
a link works once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime, nullable=True))
    op.execute("UPDATE account SET confirmed_at = created_at")
    op.create_table(
        "email_confirmation",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("email_confirmation")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("confirmed_at")
