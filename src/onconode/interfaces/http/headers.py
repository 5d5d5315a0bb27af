"""Security headers on every response of the node, pages, API, Beacon and static files alike.

Why each one (docs/security.md has the full review):
- Content-Security-Policy: scripts only from this origin's own files, no inline script and
  no eval (htmx runs with `allowEval` off; Vega charts use vega-interpreter), no plugins,
  no <base> rewriting, forms post only here, and no framing. An injected `<script>` or
  an uploaded HTML page opened by someone cannot run.
- X-Content-Type-Options: nosniff, so a browser never treats a download as HTML or script.
- X-Frame-Options DENY (with CSP frame-ancestors): no clickjacking of the office's buttons.
- Referrer-Policy: application ids and download links in URLs do not leak to other sites.
- Permissions-Policy: the pages need no camera, microphone, location or payment.
- Cross-Origin-Opener-Policy: another site's window cannot script ours.
- Strict-Transport-Security: only when the request came over https (directly, or from a
  configured trusted proxy), so a plain-http development server is not pinned.

A pure ASGI middleware (not BaseHTTPMiddleware): it adds the headers to the response start
message and never buffers a body, so streamed release downloads stay streamed and the Beacon
position lane stays fast. A header a route set itself (e.g. the API docs' own CSP) wins.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Adds HEADERS (and HSTS over https) to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
        self._hsts = (HSTS[0].lower().encode("latin-1"), HSTS[1].encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._raw + ([self._hsts] if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
