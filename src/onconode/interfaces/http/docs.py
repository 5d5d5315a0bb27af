"""The interactive API documentation (/api/docs): Swagger UI from the node's own static files.

Swagger UI (npm `swagger-ui-dist`) is vendored into static/vendor at build time like htmx and
Vega (setup.py, frontend/package.json), and started by static/api-docs.js, so the page works
with no network beyond the node and runs under the node-wide Content-Security-Policy: no CDN,
no inline script, no hashes to keep in step with a page someone else writes.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head>
<body>
  <p class="api-docs-back"><a href="/">&larr; back to the portal</a></p>
  <div id="swagger-ui" data-openapi-url="{openapi}"></div>
  <script src="/static/vendor/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""


def add_api_docs(app: FastAPI) -> None:
    html = PAGE.format(title=escape(f"{app.title} - API"), openapi=escape(app.openapi_url or "/api/openapi.json"))

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(html)
