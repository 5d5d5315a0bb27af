"""Serving a stored file so that no browser ever renders it as part of the node's pages.

Every user-supplied document goes out as a download: `Content-Disposition: attachment`
with an RFC 6266 / RFC 5987 file name (an ASCII fallback plus the UTF-8 original, neither
able to break out of the header), the type sniffed from the bytes now (PDF, PNG, JPEG) or
else `application/octet-stream` (so a file stored before types were checked, such as an
HTML page, is never served as HTML), `nosniff`, and a sandboxing CSP in case a browser
opens it anyway. One implementation for the API and the pages.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import Response

from onconode.access.attachments import sniff

UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def content_disposition(filename: str) -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` for any name, header-safe."""
    fallback = UNSAFE.sub("_", filename).strip(" .") or "download"
    return f"attachment; filename=\"{fallback[:150]}\"; filename*=UTF-8''{quote(filename[:150], safe='')}"


def document_response(content: bytes, filename: str, sha256: str) -> Response:
    """A stored document as a download of its sniffed (or a neutral) type."""
    return Response(content, media_type=sniff(content) or "application/octet-stream", headers={
        "Content-Disposition": content_disposition(filename), "X-Content-SHA256": sha256,
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store"})
