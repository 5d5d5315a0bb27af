"""Data access pages everyone reaches: the four routing questions, self-registration
and the public register of approved Data Access Requests.

The role pages live in their own modules (applications, review queues, office
dashboard) and are included here, so `interfaces/http/app.py` lists one access router.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from onconode.access.clinical_request import Procedure, Purpose, route
from onconode.access.confirmation import confirm_email
from onconode.access.db import GovernanceError
from onconode.access.organisations import list_organisations
from onconode.access.register import public_register
from onconode.access.registration import register_applicant
from onconode.interfaces.http import access_applications, access_draft, access_review
from onconode.interfaces.http.session import csrf_protect, node_of
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(access_draft.router)
router.include_router(access_applications.router)
router.include_router(access_review.router)

SCOPES = {"several": False, "own": True}


@router.get("/access")
def routing(request: Request, scope: str | None = None, purpose: str | None = None) -> Response:
    """The portal's questions; with both answered it names the procedure and why."""
    answer = None
    if scope in SCOPES and purpose in {p.value for p in Purpose}:
        answer = route(SCOPES[scope], Purpose(purpose))
    elif scope == "several":
        answer = route(False, Purpose.OTHER)
    return render(request, "access/route.html", scope=scope, purpose=purpose, answer=answer, Procedure=Procedure)


@router.get("/account/register")
def registration_page(request: Request) -> Response:
    return render(request, "access/register_account.html", organisations=list_organisations(node_of(request).gov), form={})


@router.post("/account/register", dependencies=[Depends(csrf_protect)])
def registration(request: Request, name: Annotated[str, Form()], surname: Annotated[str, Form()], email: Annotated[str, Form()],
                 password: Annotated[str, Form()], organisation: Annotated[str, Form()] = "", position: Annotated[str, Form()] = "") -> Response:
    """Self-registration of an applicant (no roles: those are granted by the office)."""
    gov = node_of(request).gov
    try:
        answer = register_applicant(gov, email, name, surname, password, confirm_url=confirm_url(request),
                                    organisation_id=organisation or None, position=position or None, at=node_of(request).now())
    except GovernanceError as exc:
        form = {"name": name, "surname": surname, "email": email, "organisation": organisation, "position": position}
        return render(request, "access/register_account.html", status_code=400, error=str(exc),
                      organisations=list_organisations(gov), form=form)
    return render(request, "access/check_email.html", answer=answer)


def confirm_url(request: Request) -> str:
    """Where the emailed link points: the node's public_url setting if set (production should
    set it, so a forged Host header cannot redirect links), else this request's own origin."""
    base = node_of(request).settings.node.public_url or str(request.base_url)
    return base.rstrip("/") + "/account/confirm"


@router.get("/account/confirm")
def confirmation_page(request: Request, token: str = "") -> Response:
    """The emailed link opens a form; only its POST confirms (mail scanners fetch links)."""
    return render(request, "access/confirm_email.html", token=token)


@router.post("/account/confirm", dependencies=[Depends(csrf_protect)])
def confirmation(request: Request, token: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    node = node_of(request)
    try:
        confirm_email(node.gov, token, password, at=node.now())
    except GovernanceError as exc:
        return render(request, "access/confirm_email.html", status_code=400, token=token, error=str(exc))
    return RedirectResponse("/login?next=/access/mine&confirmed=1", status_code=303)


@router.get("/register")
def register_page(request: Request) -> Response:
    """The public register of approved DARs (the same rows as /api/register)."""
    return render(request, "access/public_register.html", rows=public_register(node_of(request).gov))
