"""Attachments (ethics approvals, signed documents, licences), stored by SHA-256.

The hash is the identity: the same bytes are stored once, events refer to the hash, and
a document shown later is checked against the hash it was recorded with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa

from onconode.access.db import GovernanceError
from onconode.access.schema import attachment as table

MAX_BYTES = 50 * 1024 * 1024


def store_attachment(conn: sa.Connection, filename: str, content: bytes, media_type: str, at: dt.datetime) -> dict[str, Any]:
    if not isinstance(content, (bytes, bytearray)) or not content:
        raise GovernanceError(f"attachment {filename!r} is empty")
    if len(content) > MAX_BYTES:
        raise GovernanceError(f"attachment {filename!r} is {len(content):,} bytes; the limit is {MAX_BYTES:,}")
    digest = hashlib.sha256(content).hexdigest()
    if not conn.execute(sa.select(table.c.sha256).where(table.c.sha256 == digest)).fetchall():
        conn.execute(table.insert().values(sha256=digest, filename=filename, media_type=media_type, size=len(content),
                                           content=bytes(content), created_at=at.replace(tzinfo=None)))
    return {"sha256": digest, "filename": filename, "size": len(content), "media_type": media_type}


def read_attachment(conn: sa.Connection, sha256: str) -> bytes:
    """The stored bytes, verified against their hash (a changed file is refused)."""
    rows = conn.execute(sa.select(table.c.content).where(table.c.sha256 == sha256)).fetchall()
    if not rows:
        raise GovernanceError(f"no attachment with SHA-256 {sha256}")
    content = bytes(rows[0][0])
    if hashlib.sha256(content).hexdigest() != sha256:
        raise GovernanceError(f"attachment {sha256} no longer matches its SHA-256: it was altered in the database")
    return content
