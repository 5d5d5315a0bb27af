"""Jinja2 pages: one environment, and `render` that gives every template the user, the
CSRF token and the navigation, so page modules pass only what is theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from onconode.interfaces.http.session import csrf_token, current_account
from onconode.interfaces.http.access_nav import PUBLIC, links_for

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", current_account(request))
    context.setdefault("user_links", links_for(context["user"]))
    context.setdefault("public_links", PUBLIC)
    context.setdefault("csrf", csrf_token(request))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
