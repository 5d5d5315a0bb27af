"""The route table of docs/security.md, generated from the running app's routes.

For each route: who may call it as far as its dependencies say (logged in, MFA, roles),
whether it needs the session's CSRF token, its request body cap and rate limit. Rules
that a handler checks itself (the domain's per-application authorization, a page that
redirects to the login) are named in the Notes column from NOTES. Regenerate with
`python -m onconode.interfaces.http.security_review > /tmp/routes.md`; tests/web/security checks that
docs/security.md lists every route the app serves.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterator

from onconode.interfaces.http.body_limit import limit_for
from onconode.interfaces.http.routes_list import walk

# Rules a handler or the domain applies, by path prefix (longest match wins).
NOTES: dict[str, str] = {
    "/api/applications/{app_id}": "domain: only people named on the application or handling it (404 otherwise)",
    "/access/applications/{app_id}": "domain: only people named on the application or handling it",
    "/api/releases": "download contacts with MFA; 404 for applications the caller may not see",
    "/releases": "page: login + MFA (redirect), same rules as /api/releases",
    "/beacon": "public; record-level answers only with a GA4GH visa; query budget per requester (429 + Retry-After)",
    "/api/analysis": "public; every figure passes the disclosure gate",
    "/api/session": "login: account lock 5 failures / 15 min, address backoff after 20 (429 + Retry-After)",
    "/login": "login: account lock 5 failures / 15 min, address backoff after 20 (429 + Retry-After)",
    "/api/applications": "new applications: 10 per account per hour (429 + Retry-After)",
    "/access/new": "new applications: 10 per account per hour (429 + Retry-After)",
    "/access/office": "page: data access office only",
    "/access/queue": "page: board members only",
    "/api/jobs": "private job parameters (a mail's body) are never shown",
    "/jobs": "page: login + MFA (redirect); data access office and data managers only",
    "/federation": "page: logged in; runs only what the collaboration allows",
    "/static": "public files of the node (CSS, JS, vendored htmx/Vega/Swagger UI)",
}


def _calls(dependant: Any) -> Iterator[Any]:
    for d in getattr(dependant, "dependencies", []):
        yield d.call
        yield from _calls(d)


def _who(route: Any) -> str:
    rules = []
    for call in _calls(getattr(route, "dependant", None)):
        name = getattr(call, "__qualname__", "")
        if name == "staff.<locals>.dependency":
            roles = inspect.getclosurevars(call).nonlocals["roles"]
            rules.append("MFA + " + " / ".join(r.value for r in roles))
        elif name == "require_mfa":
            rules.append("logged in + MFA")
        elif name == "require_account":
            rules.append("logged in")
    if any(r.startswith("MFA +") for r in rules):
        return next(r for r in rules if r.startswith("MFA +"))
    return "logged in + MFA" if "logged in + MFA" in rules else ("logged in" if rules else "public")


def _csrf(method: str, route: Any) -> str:
    if method in ("GET", "HEAD", "OPTIONS"):
        return "–"
    if any(getattr(c, "__name__", "") == "csrf_protect" for c in _calls(getattr(route, "dependant", None))):
        return "yes"
    return "no"


def _note(path: str) -> str:
    best = max((p for p in NOTES if path.startswith(p)), key=len, default=None)
    return NOTES[best] if best else ""


def rows(app: Any) -> list[tuple[str, str, str, str, str, str]]:
    """(method, path, who, CSRF, body cap, notes) for every route of the app."""
    out = []
    for method, path, route in walk(app.routes):
        cap = "–" if method in ("GET", "DELETE") else f"{limit_for(path.replace('{app_id}', 'x')) // 1024:,} KiB"
        out.append((method, path, _who(route), _csrf(method, route), cap, _note(path)))
    return out


def markdown(app: Any) -> str:
    lines = ["| method | path | who (dependencies) | CSRF | body cap | notes |", "|---|---|---|---|---|---|"]
    lines += [f"| {m} | `{p}` | {w} | {c} | {b} | {n} |" for m, p, w, c, b, n in rows(app)]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - writes the table for docs/security.md
    import tempfile

    from onconode.interfaces.http.app import create_app
    from onconode.interfaces.http.node import Node

    print(markdown(create_app(Node(tempfile.mkdtemp()))))
