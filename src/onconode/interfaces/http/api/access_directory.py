"""Access REST API, the directory part: self-registration, organisations, role grants,
the routing questions, the public register, GA4GH visas (JWKS and passport) and the
audit-trail check. Mounted by `onconode.interfaces.http.api.access`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from onconode.access import anchors
from onconode.access.clinical_request import Purpose, route
from onconode.access.confirmation import confirm_email
from onconode.access.identity import Account, grant_role, reset_mfa, set_active
from onconode.access.organisations import add_organisation, list_organisations
from onconode.access.register import public_register
from onconode.access.registration import register_applicant
from onconode.access.roles import Role
from onconode.access.visas import jwks, passport
from onconode.interfaces.http.api.access_render import staff
from onconode.interfaces.http.api.access_schemas import Confirmation, Organisation, Registration, RoleGrant
from onconode.interfaces.http.access_pages import confirm_url
from onconode.interfaces.http.session import csrf_protect, node_of, require_mfa

router = APIRouter(tags=["access"])
R = Role


def _org_json(o) -> dict:
    return {"id": o.id, "name": o.name, "country": o.country, "sector": o.sector, "in_eea": o.in_eea,
            "adequacy": o.adequacy, "licence": o.licence_variant}


@router.post("/api/accounts", status_code=202, summary="Register as an applicant (name, surname, institutional email)",
             description="Always answers the same, whether or not the address has an account; the address's owner "
                         "gets either a confirmation link or a note that someone tried to register with it.")
def register_account(request: Request, body: Registration) -> dict:
    node = node_of(request)
    answer = register_applicant(node.gov, body.email, body.name, body.surname, body.password, confirm_url=confirm_url(request),
                                organisation_id=body.organisation_id, position=body.position, at=node.now())
    return {"status": "check your email", "detail": answer}


@router.post("/api/accounts/confirm", summary="Confirm a self-registered account with the emailed token and its password")
def confirm_account(request: Request, body: Confirmation) -> dict:
    node = node_of(request)
    acc = confirm_email(node.gov, body.token, body.password, at=node.now())
    return {"id": acc.id, "email": acc.email, "next": "log in with POST /api/session; enrol MFA at /account/mfa"}


@router.post("/api/accounts/{account_id}/roles", summary="Grant a global role (admin)", dependencies=[Depends(csrf_protect)])
def grant(request: Request, account_id: int, body: RoleGrant, admin: Annotated[Account, Depends(staff(R.ADMIN))]) -> dict:
    node = node_of(request)
    acc = grant_role(node.gov, account_id, body.role, actor=admin.id, at=node.now())
    return {"id": acc.id, "email": acc.email, "roles": sorted(r.value for r in acc.roles)}


def _account_json(acc: Account) -> dict:
    return {"id": acc.id, "email": acc.email, "active": acc.active, "mfa_enabled": acc.mfa_enabled}


@router.post("/api/accounts/{account_id}/disable", summary="Disable an account and end all its sessions (admin)",
             dependencies=[Depends(csrf_protect)])
def disable(request: Request, account_id: int, admin: Annotated[Account, Depends(staff(R.ADMIN))]) -> dict:
    node = node_of(request)
    return _account_json(set_active(node.gov, account_id, False, actor=admin.id, at=node.now()))


@router.post("/api/accounts/{account_id}/enable", summary="Enable a disabled account again (admin)", dependencies=[Depends(csrf_protect)])
def enable(request: Request, account_id: int, admin: Annotated[Account, Depends(staff(R.ADMIN))]) -> dict:
    node = node_of(request)
    return _account_json(set_active(node.gov, account_id, True, actor=admin.id, at=node.now()))


@router.post("/api/accounts/{account_id}/mfa/reset", summary="Remove an account's second factor (lost device) and end all its sessions (admin)",
             dependencies=[Depends(csrf_protect)])
def mfa_reset(request: Request, account_id: int, admin: Annotated[Account, Depends(staff(R.ADMIN))]) -> dict:
    node = node_of(request)
    return _account_json(reset_mfa(node.gov, account_id, actor=admin.id, at=node.now()))


@router.get("/api/organisations", summary="Organisations (licensees, hospitals) with their EEA / adequacy status")
def organisations(request: Request) -> list[dict]:
    return [_org_json(o) for o in list_organisations(node_of(request).gov)]


@router.post("/api/organisations", status_code=201, summary="Add an organisation (data access office, admin)",
             dependencies=[Depends(csrf_protect)])
def new_organisation(request: Request, body: Organisation,
                     account: Annotated[Account, Depends(staff(R.ACCESS_OFFICE, R.ADMIN))]) -> dict:
    node = node_of(request)
    return _org_json(add_organisation(node.gov, body.id, body.name, body.country, body.sector, actor=account.id, at=node.now()))


@router.get("/api/routing", summary="Which procedure fits: the portal's four request scenarios")
def routing(own_hospital_only: Annotated[bool, Query(description="only data of your own hospital's patients?")],
            purpose: Annotated[Purpose, Query(description="treatment, original_study or other")]) -> dict:
    way = route(own_hospital_only, purpose)
    return {"procedure": way.procedure.value, "scenario": way.scenario, "explanation": way.explanation}


@router.get("/api/register", summary="Public register of approved Data Access Requests")
def register(request: Request) -> list[dict]:
    return public_register(node_of(request).gov)


@router.get("/.well-known/jwks.json", summary="Public keys that sign GA4GH visas")
def jwks_json(request: Request) -> dict:
    return jwks(node_of(request).gov)


@router.get("/api/passport", summary="Your current GA4GH visas (ControlledAccessGrants) as a passport")
def my_passport(request: Request, account: Annotated[Account, Depends(require_mfa)]) -> dict:
    node = node_of(request)
    return passport(node.gov, account.id, at=node.now())


@router.get("/api/audit/verify", summary="Re-compute the audit trail's hash chain and check it against the node's signed checkpoints (auditors)")
def audit_verify(request: Request, account: Annotated[Account, Depends(staff(R.AUDITOR))],
                 expect_head: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    gov = node_of(request).gov
    with gov.engine.connect() as conn:
        v = anchors.verify(conn, gov.home, expect_head=expect_head)
    return {"ok": v.ok, "events": v.events, "head": v.head, "anchors_checked": v.anchors_checked, "problems": v.problems}
