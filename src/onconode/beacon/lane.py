"""The anonymous position-query lane: an ASGI middleware in front of the node app that
answers `GET /beacon/g_variants` sequence queries without a cookie or an Authorization
header straight from the freeze's position index.

Why: those are the queries Beacon networks and membership probes send most, and once the
index answers in microseconds, FastAPI's routing over every router of the node, its
dependency solving and the middleware stack were most of the server's time per request
(profile in benchmarks/README.md, Beacon section). The answer is the route's own:
the same requester (anonymous, keyed by address, as routes._who makes it), the same budget
(`BeaconService.budget`), the same document (`BeaconService.position_counts`) and the same
JSON rendering. Anything else — a session or a visa, a range, filters, an invalid query,
a node whose index is not (yet) loaded — goes on to the app unchanged, so every rule and
error message stays in one place. Nothing in this lane reads the store or takes its lock.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from onconode.analysis.beacon_rules import BudgetExceeded
from onconode.beacon import auth, fast
from onconode.beacon.request import BeaconRequestError, from_get
from onconode.beacon.responses import error
from onconode.beacon.search import Scope as PathScope

PATH = "/beacon/g_variants"


class PositionLane:
    def __init__(self, app: ASGIApp, node: Any) -> None:
        self.app, self.node = app, node
        self.answered = 0  # how many queries this lane answered (tests check it is used)
        self._base_urls: dict[tuple, str] = {}  # Request(scope).base_url per (scheme, server, root, Host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        doc = self._answer(scope) if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET" else None
        if doc is None:
            await self.app(scope, receive, send)
            return
        self.answered += 1
        await JSONResponse(doc[0], status_code=doc[1], headers=doc[2])(scope, receive, send)

    def _answer(self, scope: Scope) -> tuple[dict[str, Any], int, dict[str, str] | None] | None:
        from onconode.beacon.routes import served_now, service_for

        served = served_now(self.node)  # routes._served fills it on the first position query
        if served is None or served[1] is None or any(k in (b"cookie", b"authorization") for k, _ in scope["headers"]):
            return None
        try:
            q = from_get(QueryParams(scope["query_string"]))
        except BeaconRequestError:
            return None  # the route says what is wrong
        if q.variant.end or not fast.applies(q, PathScope()):
            return None
        key = (scope.get("scheme"), tuple(scope.get("server") or ()), scope.get("root_path"),
               next((v for k, v in scope["headers"] if k == b"host"), None))
        base_url = self._base_urls.get(key)
        if base_url is None:
            base_url = str(Request(scope).base_url)
            if len(self._base_urls) < 64:
                self._base_urls[key] = base_url
        svc = service_for(self.node, base_url)
        client = scope["client"][0] if scope.get("client") else "unknown"
        who = auth.requester(None, None, None, client, None)
        try:
            doc = svc.position_counts(served, q, who)
        except BudgetExceeded as exc:
            return error(svc.info, q, 429, str(exc)), 429, {"Retry-After": str(exc.retry_after)}
        return (doc, 200, None) if doc is not None else None
