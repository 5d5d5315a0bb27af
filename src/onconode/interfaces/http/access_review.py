"""What the boards and the data access office look at: the review queue with its
deadlines, the facts a decision rests on (DUO match per code, requested vs. minimal data
items, the licensee country's adequacy status) and the office's dashboard.

Everything shown is computed by the domain (`access.review`, `access.deadlines`); this
module gathers it for one page.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onconode.access import events as S
from onconode.access.deadlines import CLINICAL_TARGET, deadlines_of
from onconode.access.events import Application
from onconode.access.identity import Account, get_account
from onconode.access.review import board_review
from onconode.access.roles import Role
from onconode.access.workflow import Denied, check, list_applications
from onconode.interfaces.http.session import node_of, require_account
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)
Actor = Annotated[Account, Depends(require_account)]
REVIEW_COMMANDS = ("assess", "vote", "decide", "decide_extension", "approve_purpose", "reject")
OFFICE_ROLES = frozenset({Role.ACCESS_OFFICE, Role.DATA_MANAGER, Role.ADMIN, Role.AUDITOR})
# What waits for the office, each with the words of the link that leads to its form (the
# dashboard lists only actions it can take: confirm_contact right there, the others on the
# application's page, where their forms need the application's details).
OFFICE_ACTIONS = {"assign": "Assign Scientific Board members", "issue_licence": "Issue the licence",
                  "sign": "Sign the licence for the foundation", "confirm_contact": "Confirm a download contact",
                  "mark_prepared": "Mark the data as prepared"}
OFFICE_COMMANDS = tuple(OFFICE_ACTIONS)


def review_context(request: Request, app: Application) -> dict[str, Any]:
    """The deadlines, and for a DAR the board's facts (`access.review.board_review`) read at
    the request's freeze: DUO match per dataset and code, data minimisation, adequacy."""
    node = node_of(request)
    out: dict[str, Any] = {"deadlines": deadlines_of(app, node.now()), "review": None}
    if app.kind == "dar":
        freeze = app.form.get("freeze")
        with node.snapshot(None):
            known = {f.freeze_id for f in node.store.freezes()}
        with node.snapshot(freeze if freeze in known else None) as snap, node.gov.engine.connect() as conn:
            out["review"] = board_review(conn, app, snap, node.now())
    return out


def _rows(request: Request, actor: Account, wanted: tuple[str, ...]) -> list[dict[str, Any]]:
    node, now = node_of(request), node_of(request).now()
    with node.gov.engine.connect() as conn:
        me = get_account(conn, actor.id)
    rows = []
    for app in list_applications(node.gov):
        todo = [c for c in wanted if check(app, me, c)]
        rows.append({"app": app, "todo": todo, "deadlines": deadlines_of(app, now)})
    return rows


@router.get("/access/queue")
def queue(request: Request, actor: Actor) -> Response:
    """Applications waiting for this board member or PI, soonest deadline first."""
    if not actor.roles & {Role.SCIENTIFIC_BOARD, Role.ACCESS_BOARD, Role.CENTRAL_PI, Role.LOCAL_PI}:
        raise Denied("the review queue is for Scientific Board and Data Access Board members and the Clinical Request PIs")
    rows = [r for r in _rows(request, actor, REVIEW_COMMANDS) if r["todo"]]
    rows.sort(key=lambda r: min((d.due for d in r["deadlines"]), default=r["app"].created_at))
    return render(request, "access/queue.html", rows=rows)


@router.get("/access/office")
def office(request: Request, actor: Actor) -> Response:
    """The office's dashboard: every application by state, deadlines, what waits for the office,
    contact requests and the one-week Clinical Request target."""
    if not actor.roles & OFFICE_ROLES:
        raise Denied("the dashboard is for the data access office, data managers, admins and auditors")
    now = node_of(request).now()
    rows = _rows(request, actor, OFFICE_COMMANDS)
    clinical = []
    for r in rows:
        app = r["app"]
        if app.kind == "clinical" and app.decided_at is not None and app.state in (S.APPROVED, S.ACTIVE):
            due = app.decided_at + CLINICAL_TARGET
            done = app.prepared_at
            clinical.append({"app": app, "due": due, "prepared": done, "late": (done or now) > due})
    contacts = [(r["app"], c, "confirm_contact" in r["todo"]) for r in rows for c in r["app"].contact_requests
                if c.get("status") == "requested"]
    return render(request, "access/office.html", rows=rows, by_state=Counter(r["app"].state for r in rows),
                  states=S.STATES, clinical=clinical, contacts=contacts, now=now, office_actions=OFFICE_ACTIONS)
