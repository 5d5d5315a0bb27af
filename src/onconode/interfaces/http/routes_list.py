"""Every route of the node's app as (method, path, route), routers included.

FastAPI keeps an included router as one lazy entry of `app.routes`; this walks into them,
so the security headers test and the route table of docs/security.md both see exactly
the routes the server answers (`python -m onconode.interfaces.http.routes_list` prints them).
"""

from __future__ import annotations

from typing import Any, Iterator

from starlette.routing import Mount, Route


def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) for each method of each route, HEAD left out; a mount is `GET <path>/{path}`."""
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included router
            yield from walk(r.original_router.routes, prefix + r.include_context.prefix)
        elif isinstance(r, Mount):
            yield "GET", prefix + r.path + "/{path}", r
        elif isinstance(r, Route) or hasattr(r, "methods"):
            for m in sorted(getattr(r, "methods", None) or {"GET"}):
                if m != "HEAD":
                    yield m, prefix + r.path, r


if __name__ == "__main__":  # pragma: no cover - a listing for people
    import tempfile

    from onconode.interfaces.http.app import create_app
    from onconode.interfaces.http.node import Node

    for method, path, _ in walk(create_app(Node(tempfile.mkdtemp())).routes):
        print(method, path)
