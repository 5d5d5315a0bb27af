"""Who is asking: the session (kept server-side: interfaces/http/server_session.py), multi-factor
state and CSRF tokens. Pages and REST endpoints share one session, so a browser that logged in
once can use both; every state-changing request carries the session's CSRF token (a
hidden `csrf` form field or an `X-CSRF-Token` header).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import HTTPException, Request

from onconode.access.identity import Account, get_account


def node_of(request: Request) -> Any:
    return request.app.state.node


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_protect(request: Request) -> None:
    """Dependency for every POST/PUT/PATCH/DELETE reached with a session cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "the form expired or did not come from this site (CSRF check); reload the page and try again")


def current_account(request: Request) -> Account | None:
    """The logged-in account, or None. An account that still owes its MFA code is not logged in."""
    account_id = request.session.get("account_id")
    if account_id is None:
        return None
    cache = request.scope.setdefault("onconode.account", {})
    if "account" not in cache:
        node = node_of(request)
        with node.gov.engine.connect() as conn:
            try:
                account = get_account(conn, int(account_id))
            except Exception:
                account = None
        cache["account"] = account if account is not None and account.active else None
    return cache["account"]


def mfa_verified(request: Request) -> bool:
    return bool(request.session.get("mfa"))


def require_account(request: Request) -> Account:
    """Dependency: a logged-in account, or 401 saying how to log in."""
    account = current_account(request)
    if account is None:
        raise HTTPException(401, "log in first (POST /api/session, or the /login page)")
    return account


def require_mfa(request: Request) -> Account:
    """Dependency: a logged-in account that proved a second factor in this session."""
    account = require_account(request)
    if not mfa_verified(request):
        raise HTTPException(403, "this needs multi-factor authentication: enrol at /account/mfa, then log in again with your code")
    return account


def start_session(request: Request, account: Account, mfa: bool) -> None:
    """Log the account in: the old session ends and a new id is issued (no fixation)."""
    request.session.clear()
    request.session.update({"account_id": account.id, "mfa": mfa, "csrf": secrets.token_urlsafe(32)})
    request.scope.pop("onconode.account", None)


def end_session(request: Request) -> None:
    """Log out: the session's row is deleted (interfaces/http/server_session.py), so a copy of the cookie is worthless."""
    request.session.clear()
    request.scope.pop("onconode.account", None)
