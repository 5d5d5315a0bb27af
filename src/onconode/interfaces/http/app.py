"""The node's web server: REST API (OpenAPI at /api/openapi.json), web pages, Beacon.

Each area is one router module owned by the area (access pages, analysis API, portal,
releases, Beacon...); this module only wires them together, turns domain errors into
HTTP answers that say what to do, and sets the session cookie's rules.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import onconode
from onconode.interfaces.http.body_limit import BodyLimit
from onconode.interfaces.http.docs import add_api_docs
from onconode.interfaces.http.error_pages import add_error_pages, error_response
from onconode.interfaces.http.headers import SecurityHeaders
from onconode.interfaces.http.node import Node
from onconode.interfaces.http.server_session import ServerSessions
from onconode.interfaces.http.validation import add_validation_handler
from onconode.interfaces.derived_wiring import register_derived
from onconode.interfaces.root import wire
from onconode.interfaces.http.templating import render
from onconode.access.db import GovernanceError
from onconode.access.forms import FormIncomplete
from onconode.access.workflow import Denied
from onconode.analysis.cohort import CohortError
from onconode.analysis.compare import GroupError
from onconode.analysis.disclosure import DisclosureRefused
from onconode.analysis.saved import CohortNotFound
from onconode.store.store import StoreError
from onconode.interfaces.http.beacon_lane import PositionLane

ROUTERS = (
    "onconode.interfaces.http.auth",
    "onconode.interfaces.http.oidc",
    "onconode.interfaces.http.api.access",
    "onconode.interfaces.http.access_pages",
    "onconode.interfaces.http.api.analysis",
    "onconode.interfaces.http.api.catalogue",
    "onconode.interfaces.http.api.fdp",
    "onconode.interfaces.http.catalogue_pages",
    "onconode.interfaces.http.portal",
    "onconode.interfaces.http.api.release",
    "onconode.interfaces.http.release_pages",
    "onconode.interfaces.http.beacon",
    "onconode.interfaces.http.federation_pages",
    "onconode.interfaces.http.api.jobs",
    "onconode.interfaces.http.jobs_pages",
)
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "onconode_session"


def _add_error_handlers(app: FastAPI) -> None:
    # The most specific class wins (handlers are looked up along the exception's MRO): an
    # incomplete form is a Denied command, but it is the form's fault, so 422, not 403.
    add_error_pages(app)
    for exc_type, status in ((FormIncomplete, 422), (Denied, 403), (DisclosureRefused, 403), (GovernanceError, 400),
                             (CohortError, 422), (GroupError, 422), (CohortNotFound, 404), (StoreError, 409)):
        app.add_exception_handler(exc_type, lambda request, exc, status=status: error_response(request, status, str(exc)))


def create_app(node: Node, trusted_proxies: list[str] | None = None) -> FastAPI:
    """The node's ASGI app. `trusted_proxies` (default: the `[web] trusted_proxies` setting, empty):
    addresses whose X-Forwarded-For / X-Forwarded-Proto are believed; nobody else's are."""
    app = FastAPI(title="onconode", version=onconode.__version__, openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, description="A cancer genomics database node: catalogue, analyses, data access, releases, Beacon v2.")
    wire()
    register_derived()
    app.state.node = node
    # Middleware, innermost first: sessions in the governance database (revocable), the Beacon
    # position lane (anonymous queries skip the stack: interfaces/http/beacon_lane.py), the body-size cap,
    # the security headers on every answer, and, outermost, forwarded headers from trusted proxies only.
    app.add_middleware(ServerSessions, node=node, cookie=SESSION_COOKIE, https_only=node.secure_cookies, max_age=8 * 3600)

    app.add_middleware(PositionLane, node=node)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    proxies = node.settings.web.trusted_proxies if trusted_proxies is None else trusted_proxies
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    add_validation_handler(app)
    add_api_docs(app)
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """Browsers ask for /favicon.ico whatever the page says; the node's one icon is an SVG."""
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return render(request, "home.html", node_name=node.settings.node.name)

    return app
