"""A cap on the size of every request body, before any route parses it.

Why: without it a client can make the server read, parse and keep in memory (and echo in
a validation error) a body of any size. Forms, JSON and Beacon queries fit in 1 MiB; only
the attachment uploads (the API's, and the DAR form that carries a document with its answers) may carry one (the attachment limit plus room for the
multipart envelope). The answer is 413 saying the limit, whether the body announced its
length (refused before reading) or streams it in chunks (refused when the count passes it).
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onconode.access.attachments import MAX_BYTES

MAX_BODY = 1024 * 1024
MAX_UPLOAD = MAX_BYTES + MAX_BODY
UPLOADS = re.compile(r"^/(api/applications/[^/]+/attachments|access/applications/[^/]+/form|access/new/dar)$")


def limit_for(path: str) -> int:
    """The largest body accepted on `path`, in bytes."""
    return MAX_UPLOAD if UPLOADS.match(path) else MAX_BODY


def _message(limit: int) -> str:
    return (f"the request body is larger than this endpoint accepts ({limit:,} bytes); send less "
            f"(attachments: one document of at most {MAX_BYTES:,} bytes)")


class BodyTooLarge(HTTPException):
    """Raised while a route reads a streamed body past the limit; an HTTPException so that
    FastAPI's body parsing passes it on and the app answers 413 with the message."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))


class BodyLimit:
    """Refuses request bodies over `limit_for(path)` with 413 (JSON, saying the limit)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": _message(limit)}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
