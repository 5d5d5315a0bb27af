"""The session middleware: `request.session` backed by the governance database.

It replaces Starlette's SessionMiddleware, whose signed cookie carried the whole session:
such a cookie cannot be revoked, so one copied before logout kept working. Here the cookie
(HttpOnly, SameSite=Lax, Secure unless the node is told otherwise) holds a random id only,
and `onconode.access.sessions` keeps the data. Routes use `request.session` as before:

- `clear()` (login, logout) ends the old session; if data is set afterwards it lives under
  a new id, so an id seen before login is never the logged-in one (no fixation);
- a session is stored only once something is put in it (anonymous pages that never touch
  it cost no database write);
- a session ended elsewhere (another worker, a password change) is not recreated by a
  request that was already running: its changes are dropped.
"""

from __future__ import annotations

import datetime as dt
from http.cookies import SimpleCookie
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onconode.access import sessions


class Session(dict):
    """A dict that remembers whether it was changed or cleared during the request."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.modified = False
        self.cleared = False

    def _touch(self) -> None:
        self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self._touch()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._touch()
        super().__delitem__(key)

    def clear(self) -> None:
        self._touch()
        self.cleared = True
        super().clear()

    def update(self, *args: Any, **kw: Any) -> None:
        self._touch()
        super().update(*args, **kw)

    def pop(self, *args: Any) -> Any:
        self._touch()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self._touch()
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self._touch()
        return super().setdefault(key, default)


def _wall_clock() -> dt.datetime:
    """Sessions expire in real time, not on the node's governance clock (which tests and
    simulations move by months)."""
    return dt.datetime.now(dt.timezone.utc)


class ServerSessions:
    def __init__(self, app: ASGIApp, node: Any, cookie: str, https_only: bool, max_age: int) -> None:
        self.app, self.node, self.cookie, self.max_age = app, node, cookie, max_age
        self.flags = "; Path=/; HttpOnly; SameSite=lax" + ("; Secure" if https_only else "")

    def _cookie_id(self, scope: Scope) -> str | None:
        for k, v in scope["headers"]:
            if k == b"cookie":
                jar = SimpleCookie()
                try:
                    jar.load(v.decode("latin-1"))
                except Exception:  # a malformed Cookie header: treat as no session
                    return None
                if self.cookie in jar:
                    return jar[self.cookie].value
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sid = self._cookie_id(scope)
        data = None
        if sid:
            data = await run_in_threadpool(sessions.load, self.node.gov.engine, sid, _wall_clock())
        session = Session(data)
        known = sid if data is not None else None
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                header = await run_in_threadpool(self._persist, known, sid, session)
                if header is not None:
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", header.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _persist(self, known: str | None, sent: str | None, session: Session) -> str | None:
        """Write what changed; the Set-Cookie header to send, if any."""
        engine = self.node.gov.engine
        if known is not None and session.cleared:
            sessions.end(engine, known)
            known = None
        if known is not None:
            if session.modified:
                sessions.save(engine, known, dict(session))
            return None
        if session:
            new = sessions.new_id()
            sessions.create(engine, new, dict(session), _wall_clock())
            return f"{self.cookie}={new}; Max-Age={self.max_age}{self.flags}"
        if sent is not None:  # an ended, expired or unknown id: tell the browser to drop it
            return f"{self.cookie}=null; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{self.flags}"
        return None
