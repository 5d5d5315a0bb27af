"""The interactive API documentation (/api/docs, Swagger UI) under its own, still strict, CSP.

Swagger UI is FastAPI's page: its script and styles come from the jsDelivr CDN and it starts
with one inline script. Rather than loosening the node-wide policy (interfaces/http/headers.py), this one
page names exactly what it runs: that CDN and the SHA-256 of its inline script, computed
from the page itself, so a changed page cannot run a script nobody hashed.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from onconode.interfaces.http.headers import CSP

CDN = "https://cdn.jsdelivr.net"
INLINE = re.compile(r"<script>(.*?)</script>", re.S)


def docs_policy(html: str) -> str:
    """CSP for a Swagger UI page: the node's policy plus its CDN and its inline scripts' hashes."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in INLINE.findall(html))
    return (CSP.replace("script-src 'self'", f"script-src 'self' {CDN} {hashes}")
               .replace("style-src 'self'", f"style-src 'self' {CDN}")
               .replace("img-src 'self'", "img-src 'self' https://fastapi.tiangolo.com"))


def add_api_docs(app: FastAPI) -> None:
    page = get_swagger_ui_html(openapi_url=app.openapi_url or "/api/openapi.json", title=f"{app.title} - API")
    html = bytes(page.body).decode()
    policy = docs_policy(html)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})
