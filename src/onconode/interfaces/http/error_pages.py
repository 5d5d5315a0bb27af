"""Errors as people and programs each expect them: an HTML page on page routes, JSON elsewhere.

API, Beacon and well-known routes keep their JSON problem answers (`{"detail": ...}`), and so
does any client that does not ask for HTML. A browser on a page route gets the node's own
page instead: the status in plain words, the reason, and where to go next, with the
navigation of the rest of the portal (a raw `{"detail":"Not Found"}` was a dead end).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from onconode.interfaces.http.templating import render

LOG = logging.getLogger(__name__)
MACHINE_PREFIXES = ("/api/", "/beacon", "/.well-known")
TITLES = {
    400: "That request could not be handled",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not possible here",
    409: "Not possible right now",
    413: "Too large",
    422: "Please check the form",
    429: "Too many requests",
    500: "Something went wrong on the node",
}
GENERIC = frozenset({"Not Found", "Method Not Allowed", "Internal Server Error"})
NEXT_STEP = {
    401: "Log in, then open the page again.",
    403: "If you think you should have access, ask the data access office; your roles are on your account.",
    404: "Check the address, or use the navigation above.",
    429: "Wait a moment, then try again.",
    500: "The error has been logged for the node operator. Try again in a moment; if it persists, tell the data access office what you were doing.",
}


def wants_html(request: Request) -> bool:
    """A browser on a page route (not the API, Beacon or well-known routes)."""
    return not request.url.path.startswith(MACHINE_PREFIXES) and "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The node's one error answer: the error page for browsers on page routes, JSON otherwise."""
    if not wants_html(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    try:
        detail = None if message in GENERIC else message  # Starlette's bare "Not Found" only repeats the heading
        page = render(request, "error.html", status_code=status, error=detail, status=status,
                      heading=TITLES.get(status, "Cannot do that"), next_step=NEXT_STEP.get(status))
    except Exception:  # the page itself failed (e.g. the session store is down): still answer, in plain text
        LOG.exception("the error page could not be rendered")
        return Response(f"{status}: {message}\n", status_code=status, media_type="text/plain", headers=headers)
    page.headers.update(headers or {})
    return page


def add_error_pages(app: FastAPI) -> None:
    """HTTP errors (404 of an unknown address, 401, 403, 405...) and unexpected failures (500)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304):  # no body allowed, as Starlette's own handler does
            return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))
        return error_response(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        LOG.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, "the node could not complete this request")
