"""Alembic environment: always run on the connection `onconode.access.db` hands in."""

from __future__ import annotations

from alembic import context

from onconode.access.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic CLI without onconode
    raise RuntimeError("run migrations through onconode.access.db.migrate(), which supplies the connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
