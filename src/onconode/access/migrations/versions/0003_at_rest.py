"""TOTP secrets and the visa signing keys are sealed with the node's at-rest key.

Before this revision `account.totp_secret` and `signing_key.private_jwk` held plaintext:
anyone with a copy of the database could generate a board member's codes or sign visas.
The upgrade seals every existing value with the at-rest key (`onconode.access.secretbox`;
created in `<home>/secrets/` if the node has none yet) and widens `totp_secret` to hold a
sealed value. Without a node home to find the key in, it refuses rather than leave
secrets in plaintext. The downgrade opens them again (it needs the same key).

Revision ID: 0003_at_rest
Revises: 0002
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from onconode.access import secretbox

revision = "0003_at_rest"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (("account", "id", "totp_secret"), ("signing_key", "kid", "private_jwk"))


def _rows(conn: sa.Connection, table: str, key: str, column: str) -> list[tuple[object, str]]:
    return [(r[0], r[1]) for r in conn.execute(sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL")).fetchall()]


def _box(create: bool) -> secretbox.SecretBox:
    home = op.get_context().config.attributes.get("home")
    if home is None:
        raise RuntimeError(
            "this governance database holds TOTP secrets or signing keys in plaintext, and sealing them needs the "
            "node's at-rest key: open it with `onconode --home HOME ...` (or open_governance(home)) so the key "
            f"in HOME/{secretbox.KEY_FILE} (or ${secretbox.KEY_ENV}) can be used"
        )
    return secretbox.load(Path(home), create=create)


def _convert(seal: bool) -> None:
    conn = op.get_bind()
    todo = {c: [r for r in _rows(conn, t, k, c) if secretbox.is_sealed(r[1]) != seal] for t, k, c in COLUMNS}
    if not any(todo.values()):
        return
    box = _box(create=seal)
    for table, key, column in COLUMNS:
        for ident, value in todo[column]:
            new = box.seal(value) if seal else box.open_text(value, f"{table}.{column} of {ident}")
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"), {"v": new, "k": ident})


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.alter_column("totp_secret", type_=sa.Text, existing_type=sa.String(64), existing_nullable=True)
    _convert(seal=True)


def downgrade() -> None:
    _convert(seal=False)
    with op.batch_alter_table("account") as batch:
        batch.alter_column("totp_secret", type_=sa.String(64), existing_type=sa.Text, existing_nullable=True)
