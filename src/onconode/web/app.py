"""The node's web server: REST API (OpenAPI at /api/openapi.json), web pages, Beacon.

Each area is one router module owned by the area (access pages, analysis API, portal,
releases, Beacon...); this module only wires them together, turns domain errors into
HTTP answers that say what to do, and sets the session cookie's rules.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import onconode
from onconode.web.node import Node
from onconode.web.session import LoginLimiter

ROUTERS = (
    "onconode.web.auth",
    "onconode.web.oidc",
    "onconode.api.access",
    "onconode.web.access_pages",
    "onconode.api.analysis",
    "onconode.api.catalogue",
    "onconode.web.catalogue_pages",
    "onconode.web.portal",
    "onconode.api.release",
    "onconode.web.release_pages",
    "onconode.beacon.routes",
    "onconode.web.federation_pages",
)
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "onconode_session"


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith(("/api/", "/beacon", "/.well-known")) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": message}, status_code=status)
    from onconode.web.templating import render

    return render(request, "error.html", status_code=status, error=message)


def _add_error_handlers(app: FastAPI) -> None:
    from onconode.access.db import GovernanceError
    from onconode.access.workflow import Denied
    from onconode.analysis.cohort import CohortError
    from onconode.analysis.compare import GroupError
    from onconode.analysis.disclosure import DisclosureRefused
    from onconode.analysis.saved import CohortNotFound
    from onconode.store.store import StoreError

    for exc_type, status in ((Denied, 403), (DisclosureRefused, 403), (GovernanceError, 400), (CohortError, 422),
                             (GroupError, 422), (CohortNotFound, 404), (StoreError, 409)):
        app.add_exception_handler(exc_type, lambda request, exc, status=status: _error(request, status, str(exc)))


def create_app(node: Node) -> FastAPI:
    app = FastAPI(title="onconode", version=onconode.__version__, openapi_url="/api/openapi.json", docs_url="/api/docs",
                  redoc_url=None, description="A cancer genomics database node: catalogue, analyses, data access, releases, Beacon v2.")
    app.state.node = node
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(SessionMiddleware, secret_key=node.secret_key, session_cookie=SESSION_COOKIE,
                       https_only=node.secure_cookies, same_site="lax", max_age=8 * 3600)
    from onconode.beacon.lane import PositionLane

    app.add_middleware(PositionLane, node=node)  # anonymous Beacon position queries skip the stack (beacon/lane.py)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        from onconode.web.templating import render

        return render(request, "home.html", node_name=node.settings.node.name)

    return app


def serve(home: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the server in this process until interrupted (`onconode serve`, the demo).

    Session cookies are always Secure: browsers accept them on http://127.0.0.1 and
    localhost, and anywhere else the node must sit behind TLS."""
    import uvicorn

    from onconode.analysis.warm import warm_node_in_background

    node = Node(home)
    try:
        warm_node_in_background(node)
        uvicorn.run(create_app(node), host=host, port=port, log_level="warning")
    finally:
        node.close()
