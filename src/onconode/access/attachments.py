"""Attachments (ethics approvals, signed documents, licences), stored by SHA-256.

The hash is the identity: the same bytes are stored once, events refer to the hash, and
a document shown later is checked against the hash it was recorded with.

Only the document types the procedures need are accepted: PDF (approvals, signed forms,
licences) and PNG or JPEG (a scan or photo of a signed page). The type is judged by the
content's first bytes, never by the file name or the type the browser claims, so an HTML,
SVG or script file renamed to .pdf is refused. The type recorded is the sniffed one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import sqlalchemy as sa

from onconode.access.db import GovernanceError
from onconode.access.schema import attachment as table

MAX_BYTES = 50 * 1024 * 1024
# media type -> the magic bytes its content starts with
ACCEPTED: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
ACCEPTED_NAMES = "PDF, PNG or JPEG"


def sniff(content: bytes) -> str | None:
    """The accepted media type these bytes are, by their magic bytes; None for anything else."""
    head = bytes(content[:16])
    return next((media for media, magics in ACCEPTED.items() if head.startswith(magics)), None)


def clean_filename(filename: str) -> str:
    """The name as recorded: no folders, no control characters, at most 200 characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "attachment"
    return name[-200:]


def store_attachment(conn: sa.Connection, filename: str, content: bytes, media_type: str, at: dt.datetime) -> dict[str, Any]:
    filename = clean_filename(filename)
    if not isinstance(content, (bytes, bytearray)) or not content:
        raise GovernanceError(f"attachment {filename!r} is empty")
    if len(content) > MAX_BYTES:
        raise GovernanceError(f"attachment {filename!r} is {len(content):,} bytes; the limit is {MAX_BYTES:,}")
    sniffed = sniff(content)
    if sniffed is None:
        raise GovernanceError(f"attachment {filename!r} is not a {ACCEPTED_NAMES} document (judged by its content, not its name "
                              f"or declared type {media_type!r}); save or scan it as PDF and attach that")
    media_type = sniffed
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
