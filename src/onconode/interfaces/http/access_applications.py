"""One page per application, for everyone who has a part in it.

The applicant edits and submits the form, the boards assess, vote and decide, the
signatory and the office sign and manage contacts, the PIs approve Clinical Requests.
Which forms a person sees is computed from the domain's own command checks
(`workflow.check`: role, state, MFA), and every POST runs one domain command, so a
form that is shown is one the domain will accept from that person, and a form that is
forged is refused by the same check.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from onconode.access import events as S
from onconode.access.attachments import read_attachment
from onconode.access.clinical_request import hospital_patients
from onconode.access.dar import SIGNING_PARTY
from onconode.access.db import GovernanceError
from onconode.access.events import Application
from onconode.access.identity import Account, accounts_with_role, get_account
from onconode.access.items import quasi_identifiers
from onconode.access.organisations import PRIVACY_CONFIRMATIONS, get_organisation, list_organisations
from onconode.access.roles import Role
from onconode.access.visibility import may_view, sees_internal
from onconode.access.workflow import Denied, application_roles, check, commands, create, execute, list_applications, load
from onconode.model import TABLES_BY_NAME
from onconode.model.tables import GERMLINE_TABLES
from onconode.interfaces.http.access_forms import FormProblem, command_args, contacts_text
from onconode.interfaces.http.access_field_errors import field_anchor, field_label
from onconode.interfaces.http.access_next import confirmation
from onconode.interfaces.http.application_limits import count_new_application
from onconode.interfaces.http.downloads import document_response
from onconode.interfaces.http.session import csrf_protect, node_of, require_account
from onconode.interfaces.http.templating import render
from onconode.interfaces.http.access_review import review_context

router = APIRouter(include_in_schema=False)
Actor = Annotated[Account, Depends(require_account)]

NAMED = frozenset({Role.APPLICANT, Role.SIGNATORY, Role.DOWNLOAD_CONTACT})


def open_application(request: Request, app_id: str, actor: Account) -> tuple[Application, frozenset[Role], list[str]]:
    """The application, the actor's roles on it and the commands the actor may issue now."""
    with node_of(request).gov.engine.connect() as conn:
        app = load(conn, app_id)
        fresh = get_account(conn, actor.id)
    if not may_view(app, fresh):
        raise Denied(f"{app_id} is visible only to the people named on it, the boards and the data access office")
    return app, application_roles(app, fresh), [name for name in commands(app.kind) if check(app, fresh, name)]


def store_choices(request: Request) -> dict[str, Any]:
    """Freezes and datasets the forms offer (read from the analytical store)."""
    node = node_of(request)
    with node.snapshot(None) as snap:
        freezes = [f.freeze_id for f in node.store.freezes()]
        rows = snap.table("dataset").select("dataset_id", "title").to_pyarrow().to_pylist()
    return {"freezes": freezes, "datasets": rows}


def patients_of(request: Request, freeze: str | None):
    node = node_of(request)

    def patients(hospital: str) -> set[str]:
        with node.snapshot(None):
            known = {f.freeze_id for f in node.store.freezes()}
            return hospital_patients(node.store, hospital, freeze if freeze in known else None)

    return patients


def form_page_context(request: Request, app: Any) -> dict[str, Any]:
    """What the application form shows: the store's freezes and datasets, the licensees, and
    the data dictionary for the data items (with each column's quasi-identifier flag)."""
    node = node_of(request)
    ctx: dict[str, Any] = {"tables": TABLES_BY_NAME, "confirmations": PRIVACY_CONFIRMATIONS, "quasi_of": quasi_identifiers,
                           "germline_tables": GERMLINE_TABLES, "contacts_text": contacts_text(app.form.get("contacts")),
                           "items_by_table": {i.get("table"): i for i in app.form.get("items") or [] if isinstance(i, dict)},
                           "organisations": list_organisations(node.gov), "field_label": field_label, "field_anchor": field_anchor,
                           **store_choices(request)}
    return ctx


def application_page(request: Request, app_id: str, actor: Account, status_code: int = 200, error: str | None = None,
                     field_errors: dict[str, list[str]] | None = None) -> Response:
    """The application's page; after an action (`?done=<command>`) it opens with the confirmation
    of what happened and what happens next (interfaces/http/access_next.py)."""
    node = node_of(request)
    app, roles, allowed = open_application(request, app_id, actor)
    done = request.query_params.get("done") if status_code == 200 else None
    ctx: dict[str, Any] = {"app": app, "roles": {r.value for r in roles}, "allowed": allowed, "S": S, "error": error,
                           "field_errors": field_errors or {},
                           "confirmation": confirmation(done, app, request.query_params.get("file", "")) if done else None,
                           "contacts_text": contacts_text(app.form.get("contacts")), "now": node.now(),
                           "foundation": node.gov.foundation,
                           "items_by_table": {i.get("table"): i for i in app.form.get("items") or [] if isinstance(i, dict)},
                           "sign_parties": [p for p, role in SIGNING_PARTY.items() if role in roles and p not in app.signatures]}
    with node.gov.engine.connect() as conn:
        ids = {i for _, _, i in app.history if i is not None} | set(app.assigned) | {app.applicant}
        ctx["people"] = {i: get_account(conn, i) for i in ids}
        if app.form.get("licensee"):
            try:
                ctx["licensee"] = get_organisation(conn, app.form["licensee"])
            except GovernanceError:
                ctx["licensee"] = None
    if "save_draft" in allowed:
        ctx.update(form_page_context(request, app))
        if app.kind == "clinical":
            ctx["hospital_patients"] = sorted(patients_of(request, app.form.get("freeze"))(app.form["hospital_code"]))
    ctx["internal"] = sees_internal(app, actor)
    if ctx["internal"]:
        ctx.update(review_context(request, app))
    if "assign" in allowed:
        ctx["scientists"] = accounts_with_role(node.gov, Role.SCIENTIFIC_BOARD)
    return render(request, "access/application.html", status_code=status_code, **ctx)


@router.get("/access/mine")
def my_applications(request: Request, actor: Actor) -> Response:
    """The applications the user is named on: as applicant, signatory or download contact."""
    with node_of(request).gov.engine.connect() as conn:
        me = get_account(conn, actor.id)
    mine = []
    for app in list_applications(node_of(request).gov):
        named = application_roles(app, me) & NAMED
        if named:
            mine.append((app, sorted(r.value.replace("_", " ") for r in named)))
    return render(request, "access/mine.html", applications=mine)


@router.post("/access/new", dependencies=[Depends(csrf_protect)])
def new_application(request: Request, actor: Actor, kind: Annotated[str, Form()],
                    physician_email: Annotated[str, Form()] = "") -> Response:
    """A DAR: go to the empty form (its number comes with its first save, interfaces/http/access_draft.py).
    A Clinical Request: open the draft now (its physician and hospital are fixed at creation)."""
    node = node_of(request)
    if kind == "dar":
        return RedirectResponse("/access/new/dar", status_code=303)
    form = {"physician_email": physician_email.strip().lower()} if kind == "clinical" and physician_email.strip() else {}
    count_new_application(request, actor)
    app = create(node.gov, kind, actor.id, at=node.now(), form=form)
    return RedirectResponse(f"/access/applications/{app.id}", status_code=303)


@router.get("/access/applications/{app_id}")
def show_application(request: Request, app_id: str, actor: Actor) -> Response:
    return application_page(request, app_id, actor)


@router.post("/access/applications/{app_id}/do/{command}", dependencies=[Depends(csrf_protect)])
async def run_command(request: Request, app_id: str, command: str, actor: Actor) -> Response:
    """Run one procedure command with the arguments of its form, then show the application."""
    node = node_of(request)
    form = await request.form()
    try:
        args = command_args(command, form)
    except KeyError:
        return application_page(request, app_id, actor, status_code=404, error=f"there is no page form for {command!r}")
    except FormProblem as exc:
        return application_page(request, app_id, actor, status_code=400, error=str(exc))
    app, _, _ = open_application(request, app_id, actor)
    if command == "submit" and app.kind == "clinical":
        args["patients_of"] = patients_of(request, app.form.get("freeze"))
    try:
        execute(node.gov, app_id, command, actor.id, at=node.now(), **args)
    except GovernanceError as exc:
        return application_page(request, app_id, actor, status_code=403 if isinstance(exc, Denied) else 400, error=str(exc))
    return RedirectResponse(f"/access/applications/{app_id}?done={command}", status_code=303)


@router.get("/access/applications/{app_id}/documents/{sha256}")
def document(request: Request, app_id: str, sha256: str, actor: Actor) -> Response:
    """A document of the application (the licence PDF, the ethics approval), checked against its hash."""
    app, _, _ = open_application(request, app_id, actor)
    docs = {d["sha256"]: d for d in app.attachments}
    if app.licence:
        docs[app.licence["sha256"]] = {"filename": app.licence["filename"]}
    if sha256 not in docs:
        raise GovernanceError(f"{app_id} has no document with SHA-256 {sha256}")
    with node_of(request).gov.engine.connect() as conn:
        content = read_attachment(conn, sha256)
    return document_response(content, docs[sha256]["filename"], sha256)
