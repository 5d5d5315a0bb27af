"""Validation errors (422) that say what is wrong without echoing what was sent.

FastAPI's default answer repeats each invalid input in full: a 10 MB field came back as a
10 MB error, costing the server the rendering and handing a reflected copy to whoever made
the request. Here each error keeps its location, type and message, and the input only as
a short preview with its size.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

PREVIEW = 80
MAX_ERRORS = 20


def _preview(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= PREVIEW else f"{text[:PREVIEW]}… ({len(text):,} characters in all)"


def brief_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic / FastAPI error dicts with each input shortened and at most MAX_ERRORS of them."""
    out = []
    for i, e in enumerate(errors):
        if i == MAX_ERRORS:
            out.append({"type": "too_many_errors", "loc": [], "msg": f"further errors left out; fix the {MAX_ERRORS} above first"})
            break
        brief = {k: v for k, v in e.items() if k in ("type", "loc", "msg")}
        if "input" in e:
            brief["input"] = _preview(e["input"])
        out.append(brief)
    return out


def add_validation_handler(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": brief_errors(exc.errors())}, status_code=422)
