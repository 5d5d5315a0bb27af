"""Logging in and out, in the browser and over REST: password, then the TOTP (or a
recovery) code for accounts with MFA; MFA enrolment with a QR code.

Failures all read the same ("email, password or code is wrong") so nobody can learn
which emails have accounts; they lock the account and slow the address (interfaces/http/login_limits.py).
Logging out ends the session on the server: its cookie is worthless afterwards.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from onconode.access import audit
from onconode.access.db import GovernanceError
from onconode.access.identity import (Account, AuthenticationError, authenticate, begin_mfa_enrolment, change_password, confirm_mfa,
                                      get_account, needs_mfa, verify_mfa)
from onconode.interfaces.http import login_limits
from onconode.interfaces.http.session import csrf_protect, current_account, end_session, mfa_verified, node_of, require_account, start_session
from onconode.interfaces.http.templating import render

router = APIRouter()
WRONG = "email, password or code is wrong"


def password_step(request: Request, email: str, password: str) -> Account:
    """Check the password; start the session or leave it waiting for the MFA code."""
    login_limits.check(request, email)
    node = node_of(request)
    try:
        account = authenticate(node.gov, email, password, at=node.now())
    except AuthenticationError:
        login_limits.failed(request, email)
        raise HTTPException(401, WRONG) from None
    if account.mfa_enabled:
        csrf = request.session.get("csrf")
        request.session.clear()
        request.session.update({"pending_account_id": account.id, **({"csrf": csrf} if csrf else {})})
    else:
        login_limits.succeeded(request, email)
        start_session(request, account, mfa=False)
    return account


def code_step(request: Request, code: str) -> Account:
    pending = request.session.get("pending_account_id")
    if pending is None:
        raise HTTPException(401, "enter your email and password first")
    node = node_of(request)
    with node.gov.engine.begin() as conn:
        account = get_account(conn, int(pending))
    login_limits.check(request, account.email)
    try:
        with node.gov.engine.begin() as conn:
            method = verify_mfa(conn, account.id, code, node.now())
            audit.record(conn, f"account:{account.id}", account.id, node.now(), "login", {"mfa": method})
    except AuthenticationError:
        login_limits.failed(request, account.email)
        raise HTTPException(401, WRONG) from None
    login_limits.succeeded(request, account.email)
    start_session(request, account, mfa=True)
    return account


def account_json(account: Account, request: Request) -> dict:
    return {"id": account.id, "email": account.email, "name": account.full_name, "roles": sorted(r.value for r in account.roles),
            "mfa_enabled": account.mfa_enabled, "mfa_verified": mfa_verified(request), "mfa_required": needs_mfa(account)}


# -- REST ---------------------------------------------------------------------------
class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class Code(BaseModel):
    code: str = Field(max_length=32)


class PasswordChange(BaseModel):
    current: str = Field(max_length=1000, description="your password now")
    new: str = Field(max_length=1000, description="at least 12 characters")


@router.post("/api/session", tags=["session"], summary="Log in with email and password")
def api_login(request: Request, body: Credentials) -> dict:
    account = password_step(request, body.email, body.password)
    if account.mfa_enabled:
        return {"mfa_required": True, "next": "POST /api/session/mfa with your authentication code"}
    return {"mfa_required": False, "account": account_json(account, request), "csrf": request.session["csrf"]}


@router.post("/api/session/mfa", tags=["session"], summary="Complete the login with a TOTP or recovery code")
def api_login_code(request: Request, body: Code) -> dict:
    account = code_step(request, body.code)
    return {"account": account_json(account, request), "csrf": request.session["csrf"]}


@router.get("/api/session", tags=["session"], summary="Who is logged in")
def api_whoami(request: Request, account: Annotated[Account, Depends(require_account)]) -> dict:
    return {"account": account_json(account, request)}


@router.delete("/api/session", tags=["session"], summary="Log out", dependencies=[Depends(csrf_protect)])
def api_logout(request: Request) -> dict:
    end_session(request)
    return {"logged_out": True}


@router.post("/api/session/password", tags=["session"], dependencies=[Depends(csrf_protect)],
             summary="Change your password; every session of the account ends, this one continues under a new id")
def api_change_password(request: Request, body: PasswordChange, account: Annotated[Account, Depends(require_account)]) -> dict:
    node = node_of(request)
    login_limits.check(request, account.email)
    mfa = mfa_verified(request)
    try:
        changed = change_password(node.gov, account.id, body.current, body.new, at=node.now())
    except AuthenticationError as exc:
        login_limits.failed(request, account.email)
        raise HTTPException(401, str(exc)) from None
    login_limits.succeeded(request, account.email)  # the current password was right: as a login, it clears the count
    start_session(request, changed, mfa=mfa)
    return {"password_changed": True, "other_sessions": "ended", "csrf": request.session["csrf"]}


# -- pages --------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def login_form(request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    try:
        account = password_step(request, email, password)
    except HTTPException as exc:
        return render(request, "login.html", status_code=exc.status_code, error=exc.detail, email=email, next=_safe_next(next))
    if account.mfa_enabled:
        return render(request, "login_code.html", next=_safe_next(next))
    if needs_mfa(account):
        return RedirectResponse("/account/mfa", 303)
    return RedirectResponse(_safe_next(next), 303)


@router.post("/login/code", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def login_code_form(request: Request, code: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    try:
        code_step(request, code)
    except HTTPException as exc:
        return render(request, "login_code.html", status_code=exc.status_code, error=exc.detail, next=_safe_next(next))
    return RedirectResponse(_safe_next(next), 303)


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/", 303)


@router.get("/account/mfa", include_in_schema=False)
def mfa_page(request: Request) -> Response:
    account = current_account(request)
    if account is None:
        return RedirectResponse("/login?next=/account/mfa", 303)
    return render(request, "mfa_enrol.html", enrolment=None)


@router.post("/account/mfa/start", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def mfa_start(request: Request, account: Annotated[Account, Depends(require_account)]) -> Response:
    node = node_of(request)
    enrolment = begin_mfa_enrolment(node.gov, account.id, at=node.now())
    return render(request, "mfa_enrol.html", enrolment=enrolment)


@router.post("/account/mfa/confirm", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def mfa_confirm(request: Request, code: Annotated[str, Form()], account: Annotated[Account, Depends(require_account)]) -> Response:
    node = node_of(request)
    try:
        codes = confirm_mfa(node.gov, account.id, code, at=node.now())
    except (AuthenticationError, GovernanceError) as exc:
        return render(request, "mfa_enrol.html", status_code=400, enrolment=None, error=str(exc))
    start_session(request, account, mfa=True)
    request.scope.pop("onconode.account", None)
    return render(request, "mfa_enrol.html", enrolment=None, recovery_codes=codes)
