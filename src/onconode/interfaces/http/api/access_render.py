"""Shared pieces of the access REST API: who is asking (roles, verified MFA), opening an
application the caller may see, and the JSON shape of an application.

Authorization of commands stays in the domain (`workflow.check`); this module only adds
what the HTTP session knows: whether the second factor was proven in this session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

from fastapi import Depends, HTTPException, Request
from fastapi.encoders import jsonable_encoder

from onconode.access.db import GovernanceError
from onconode.access.deadlines import deadlines_of
from onconode.access.events import Application
from onconode.access.identity import Account, get_account, needs_mfa
from onconode.access.roles import Role
from onconode.access.visibility import INTERNAL_FIELDS, may_view, sees_internal
from onconode.access.workflow import check, commands, load
from onconode.interfaces.http.session import mfa_verified, node_of, require_account, require_mfa

MFA_NEEDED = "this needs multi-factor authentication in this session: enrol at /account/mfa, then log in again with your code"
INTERNAL_EVENTS = {"assigned", "scientific_assessment_given", "voted"}


def require_verified(request: Request, account: Account) -> None:
    """Accounts whose roles need MFA act only in a session where they proved it."""
    if needs_mfa(account) and not mfa_verified(request):
        raise HTTPException(403, MFA_NEEDED)


def staff(*roles: Role) -> Callable[..., Account]:
    """Dependency: a logged-in, MFA-verified account holding one of `roles`."""
    names = ", ".join(r.value for r in roles)

    def dependency(account: Account = Depends(require_mfa)) -> Account:
        if not account.roles & set(roles):
            raise HTTPException(403, f"this is for these roles only: {names}")
        return account

    return dependency


def open_application(request: Request, app_id: str, account: Account) -> tuple[Application, Account]:
    """The application and the caller's fresh account; 404 when it does not exist or the
    caller may not see it (the answer does not reveal which)."""
    gov = node_of(request).gov
    with gov.engine.connect() as conn:
        try:
            app = load(conn, app_id)
        except GovernanceError:
            app = None
        actor = get_account(conn, account.id)
    if app is None or not may_view(app, actor):
        raise HTTPException(404, f"no application {app_id} that you may see; list yours with GET /api/applications")
    require_verified(request, actor)
    return app, actor


def allowed_commands(app: Application, actor: Account) -> list[str]:
    return [name for name in commands(app.kind) if check(app, actor, name)]


def application_json(app: Application, actor: Account, at: dt.datetime) -> dict[str, Any]:
    """The folded state, with the clock applied; board internals only for staff."""
    data = dataclasses.asdict(app)
    data.pop("history")
    data["recorded_state"], data["state"] = app.state, app.state_at(at)
    if not sees_internal(app, actor):
        for f in INTERNAL_FIELDS:
            data.pop(f, None)
    data["deadlines"] = [dataclasses.asdict(d) for d in deadlines_of(app, at)]
    data["allowed_commands"] = allowed_commands(app, actor)
    return jsonable_encoder(data)


def summary_json(app: Application, at: dt.datetime) -> dict[str, Any]:
    return jsonable_encoder({
        "id": app.id, "kind": app.kind, "state": app.state_at(at), "title": app.form.get("title", ""),
        "received_at": app.received_at, "term_end": app.term_end,
        "deadlines": [dataclasses.asdict(d) for d in deadlines_of(app, at)],
    })


def event_json(event: Any, internal: bool) -> dict[str, Any]:
    payload = event.payload if internal or event.type not in INTERNAL_EVENTS else {}
    return jsonable_encoder({"seq": event.seq, "type": event.type, "at": event.at,
                             "actor": event.actor if internal or event.type not in INTERNAL_EVENTS else None, "payload": payload})
