"""REST API of data-access governance: applications (Data Access Requests and Clinical
Requests), their commands, history, attachments and licence, the boards' review, queues.

Every state change is a domain command (`onconode.access.workflow.execute`): the API
checks that the caller may issue it now (403 with the reason, before looking at the
arguments), validates the arguments' shape (422), and lets the domain do the rest.
The directory endpoints (accounts, organisations, register, visas, audit) are in
`onconode.interfaces.http.api.access_directory` and included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from onconode.access import audit
from onconode.access.attachments import MAX_BYTES, read_attachment
from onconode.access.clinical_request import Procedure, hospital_patients, route
from onconode.access.deadlines import deadline_report
from onconode.access.identity import Account, get_account
from onconode.access.review import board_review
from onconode.access.roles import Role
from onconode.access.visibility import is_named, is_staff, sees_internal
from onconode.access.workflow import check, commands, create, execute, list_applications, stream
from onconode.interfaces.http.api import access_directory
from onconode.interfaces.http.api.access_render import application_json, event_json, open_application, staff, summary_json
from onconode.interfaces.http.api.access_schemas import (ARGUMENTS, NOT_BY_COMMAND, ClinicalForm, DarForm, NewApplication, SaveClinical,
                                         SaveDar, form_fields)
from onconode.interfaces.http.application_limits import count_new_application
from onconode.interfaces.http.downloads import document_response
from onconode.interfaces.http.session import csrf_protect, mfa_verified, node_of, require_account
from onconode.interfaces.http.validation import brief_errors

router = APIRouter(tags=["access"])
Caller = Annotated[Account, Depends(require_account)]
R = Role
BOARD_ROLES = (R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.CENTRAL_PI, R.LOCAL_PI)
QUEUE_EXCLUDES = {"close", "attach", "revoke"}


def _fresh(request: Request, account: Account) -> Account:
    with node_of(request).gov.engine.connect() as conn:
        return get_account(conn, account.id)


@router.post("/api/applications", status_code=201, summary="Open an application; the routing answers pick DAR or Clinical Request",
             dependencies=[Depends(csrf_protect)])
def create_application(request: Request, body: NewApplication, account: Caller) -> dict:
    node = node_of(request)
    count_new_application(request, account)
    way = route(body.own_hospital_only, body.purpose)
    model = DarForm if way.procedure is Procedure.DAR else ClinicalForm
    try:
        fields = form_fields(model.model_validate(body.form))
    except ValidationError as exc:
        raise HTTPException(422, brief_errors(exc.errors(include_url=False, include_context=False))) from None
    kind = "dar" if way.procedure is Procedure.DAR else "clinical"
    app = create(node.gov, kind, account.id, at=node.now(), form=fields)
    return {"route": {"procedure": way.procedure.value, "scenario": way.scenario, "explanation": way.explanation},
            "application": application_json(app, _fresh(request, account), node.now())}


@router.get("/api/applications", summary="Applications you are named on (applicant, signatory, download contact, physician)")
def my_applications(request: Request, account: Caller) -> list[dict]:
    node, actor = node_of(request), _fresh(request, account)
    return [summary_json(a, node.now()) for a in list_applications(node.gov) if is_named(a, actor)]


@router.get("/api/board/queue", summary="Applications waiting for your assessment, vote, decision or approval, with deadlines")
def board_queue(request: Request, account: Annotated[Account, Depends(staff(*BOARD_ROLES))]) -> list[dict]:
    node, actor = node_of(request), _fresh(request, account)
    rows = []
    for app in list_applications(node.gov):
        actions = [n for n in commands(app.kind) if n not in QUEUE_EXCLUDES and check(app, actor, n)]
        if actions and is_staff(app, actor):
            rows.append({**summary_json(app, node.now()), "actions": actions})
    return sorted(rows, key=lambda r: min((d["due"] for d in r["deadlines"]), default="9999"))


@router.get("/api/office/dashboard", summary="The data access office's view: states, deadlines (overdue flagged), open requests")
def office_dashboard(request: Request, account: Annotated[Account, Depends(staff(R.ACCESS_OFFICE, R.ADMIN))]) -> dict:
    node = node_of(request)
    at = node.now()
    apps = list_applications(node.gov)
    counts: dict[str, int] = {}
    for a in apps:
        counts[f"{a.kind}:{a.state_at(at)}"] = counts.get(f"{a.kind}:{a.state_at(at)}", 0) + 1
    return {
        "counts": counts,
        "deadlines": [{**d.__dict__, "due": d.due.isoformat()} for d in deadline_report(node.gov, at)],
        "awaiting_signatures": [{"id": a.id, "signed": sorted(a.signatures)} for a in apps if a.state == "licence_pending_signatures"],
        "contact_requests": [{"id": a.id, **{k: r[k] for k in ("request", "name", "position", "email")}}
                             for a in apps for r in a.contact_requests if r["status"] == "requested"],
    }


@router.get("/api/applications/{app_id}", summary="One application: state folded from its events, deadlines, your allowed commands")
def get_application(request: Request, app_id: str, account: Caller) -> dict:
    app, actor = open_application(request, app_id, account)
    return application_json(app, actor, node_of(request).now())


@router.get("/api/applications/{app_id}/events", summary="The application's history (its audit-trail events)")
def application_events(request: Request, app_id: str, account: Caller) -> list[dict]:
    app, actor = open_application(request, app_id, account)
    internal = sees_internal(app, actor)
    with node_of(request).gov.engine.connect() as conn:
        return [event_json(e, internal) for e in audit.stream_events(conn, stream(app.id))]


def _patients_of(request: Request, freeze: str | None):
    node = node_of(request)

    def patients(hospital: str) -> set[str]:
        with node.snapshot(freeze):
            return hospital_patients(node.store, hospital, freeze)

    return patients


@router.post("/api/applications/{app_id}/commands/{name}", summary="Run a command (submit, assign, assess, vote, decide, sign, ...)",
             dependencies=[Depends(csrf_protect)])
def run_command(request: Request, app_id: str, name: str, account: Caller,
                body: Annotated[dict[str, Any], Body(description="the command's arguments; see GET /api/commands")] = None) -> dict:
    app, actor = open_application(request, app_id, account)
    if name not in commands(app.kind):
        raise HTTPException(404, f"there is no command {name!r} for a {app.kind} application; see GET /api/commands")
    decision = check(app, actor, name)
    if not decision:
        raise HTTPException(403, decision.reason)
    if name in NOT_BY_COMMAND:
        raise HTTPException(400, NOT_BY_COMMAND[name])
    if name == "sign" and not mfa_verified(request):
        raise HTTPException(403, "signing needs a session verified with multi-factor authentication: log in with your code")
    try:
        args = ARGUMENTS[app.kind][name].model_validate(body or {})
    except ValidationError as exc:
        raise HTTPException(422, brief_errors(exc.errors(include_url=False, include_context=False))) from None
    kwargs: dict[str, Any] = args.model_dump(exclude_unset=True)
    if isinstance(args, (SaveDar, SaveClinical)):
        kwargs = {"fields": form_fields(args.fields)}
    if app.kind == "clinical" and name == "submit":
        kwargs["patients_of"] = _patients_of(request, app.form.get("freeze"))
    node = node_of(request)
    new = execute(node.gov, app.id, name, actor.id, at=node.now(), **kwargs)
    return application_json(new, _fresh(request, actor), node.now())


@router.post("/api/applications/{app_id}/attachments", status_code=201, summary="Attach a document (stored by SHA-256)",
             dependencies=[Depends(csrf_protect)])
async def upload_attachment(request: Request, app_id: str, account: Caller, file: Annotated[UploadFile, File()],
                            kind: Annotated[str, Form(max_length=50, description="ethics, signed_form or other")] = "other") -> dict:
    app, actor = open_application(request, app_id, account)
    decision = check(app, actor, "attach")
    if not decision:
        raise HTTPException(403, decision.reason)
    content = await file.read(MAX_BYTES + 1)
    node = node_of(request)
    new = execute(node.gov, app.id, "attach", actor.id, at=node.now(), filename=file.filename or "attachment",
                  content=content, kind=kind, media_type=file.content_type or "application/octet-stream")
    return new.attachments[-1]


def _document(request: Request, sha256: str, filename: str) -> Response:
    with node_of(request).gov.engine.connect() as conn:
        content = read_attachment(conn, sha256)
    return document_response(content, filename, sha256)


@router.get("/api/applications/{app_id}/attachments/{sha256}", summary="Download an attachment (checked against its SHA-256)",
            response_class=Response)
def download_attachment(request: Request, app_id: str, sha256: str, account: Caller) -> Response:
    app, _ = open_application(request, app_id, account)
    doc = next((a for a in app.attachments if a["sha256"] == sha256), None)
    if doc is None:
        raise HTTPException(404, f"{app_id} has no attachment with SHA-256 {sha256}")
    return _document(request, sha256, doc["filename"])


@router.get("/api/applications/{app_id}/licence", summary="The current licence PDF (sign its SHA-256)", response_class=Response)
def download_licence(request: Request, app_id: str, account: Caller) -> Response:
    app, _ = open_application(request, app_id, account)
    if app.licence is None:
        raise HTTPException(404, f"{app_id} has no licence yet: the office issues it after approval")
    return _document(request, app.licence["sha256"], app.licence["filename"])


@router.get("/api/applications/{app_id}/review", summary="For the boards: DUO consent match per dataset, data minimisation, licensee status")
def application_review(request: Request, app_id: str, account: Annotated[Account, Depends(staff(R.SCIENTIFIC_BOARD, R.ACCESS_BOARD, R.ACCESS_OFFICE))]) -> dict:
    app, _ = open_application(request, app_id, account)
    node = node_of(request)
    freeze = app.form.get("freeze")
    with node.snapshot(None) as current, node.gov.engine.connect() as conn:
        known = {f.freeze_id for f in node.store.freezes()}
        snap = node.store.snapshot(freeze) if freeze in known else current
        review = board_review(conn, app, snap, node.now())
    review["consent_read_at"] = freeze if freeze in known else "current version" + (f" (freeze {freeze} is not on this node)" if freeze else "")
    return review


@router.get("/api/commands", summary="Every command: who may issue it, in which states, and its arguments")
def command_catalogue() -> dict:
    out: dict[str, Any] = {}
    for kind in ("dar", "clinical"):
        out[kind] = {
            name: {"roles": sorted(r.value for r in c.roles), "states": sorted(c.states), "doc": c.doc,
                   "arguments": ARGUMENTS[kind][name].model_json_schema() if name in ARGUMENTS[kind] else None,
                   "note": NOT_BY_COMMAND.get(name)}
            for name, c in commands(kind).items()
        }
    return out


router.include_router(access_directory.router)
