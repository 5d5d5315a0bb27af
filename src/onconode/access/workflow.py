"""Commands → checks → events: the one way an application changes (the REMS design).

A command names who may issue it (roles, including the application roles applicant,
licensee signatory and download contact) and in which states. `execute` loads the
application's events, folds them, checks the actor's roles, the state and MFA, lets the
procedure's handler validate the input and produce events, and appends them with the
stream's sequence number. If another command appended first, the unique constraint
rejects the append and the whole command is re-run on the new state, so two board
members voting at once both land, once each, in a consistent order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from onconode.access import audit, listeners
from onconode.access.audit import Event, NewEvent
from onconode.access.db import Governance, GovernanceError
from onconode.access.events import Application, fold
from onconode.access.identity import Account, get_account, needs_mfa
from onconode.access.roles import Role
from onconode.access.schema import application as app_table
from onconode.access import dar  # noqa: F401  (registers the DAR procedure's commands)
from onconode.access.clinical_request import check_creator  # also registers the Clinical Request's commands
from onconode.access.commands import REGISTRY, Command, Context, Denied, Handler, command  # noqa: F401  (re-exported)
from onconode.access.forms import check_fields
from onconode.access.notify import notify_events


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def commands(kind: str) -> dict[str, Command]:
    """The registered commands of a procedure (access/dar.py and access/clinical_request.py
    declare them; this module imports both, so they are registered before any is run)."""
    return REGISTRY[kind]


def stream(app_id: str) -> str:
    return f"application:{app_id}"


def load(conn: sa.Connection, app_id: str) -> Application:
    rows = conn.execute(sa.select(app_table).where(app_table.c.id == app_id)).fetchall()
    if not rows:
        raise GovernanceError(f"no application {app_id!r}; list them with `onconode access dar list`")
    r = rows[0]
    return fold(r.id, r.kind, r.created_by, audit.utc(r.created_at), audit.stream_events(conn, stream(app_id)))


def application_roles(app: Application, actor: Account) -> frozenset[Role]:
    """The actor's roles on this application: global grants plus being named on it.

    Hospital-bound roles (treating physician, local PI) count only for the
    application's own hospital.
    """
    roles = set(actor.roles)
    hospital = app.form.get("hospital_code")
    for bound in (Role.LOCAL_PI, Role.TREATING_PHYSICIAN):
        if bound in roles and app.kind == "clinical" and actor.hospital_code != hospital:
            roles.discard(bound)
    if actor.id == app.applicant:
        roles.add(Role.APPLICANT)
    if app.signatory and actor.email == app.signatory:
        roles.add(Role.SIGNATORY)
    if actor.email in app.contact_emails:
        roles.add(Role.DOWNLOAD_CONTACT)
    return frozenset(roles)


def check(app: Application, actor: Account, name: str) -> Decision:
    """May `actor` issue command `name` on `app` now (role, state, MFA)? Input not checked."""
    cmd = commands(app.kind).get(name)
    if cmd is None:
        return Decision(False, f"there is no command {name!r} for a {app.kind} application")
    if not actor.active:
        return Decision(False, "this account is disabled")
    roles = application_roles(app, actor)
    if not roles & cmd.roles:
        who = ", ".join(sorted(r.value for r in cmd.roles)) or "the system only"
        return Decision(False, f"{name} may be done only by: {who}")
    if app.state not in cmd.states:
        where = ", ".join(sorted(cmd.states))
        return Decision(False, f"{name} is not possible while {app.id} is {app.state} (only when {where})")
    if needs_mfa(actor) and not actor.mfa_enabled:
        return Decision(False, "your role requires multi-factor authentication: enrol an authenticator app first")
    return Decision(True, "allowed")


def allowed(gov: Governance, app_id: str, actor_id: int, name: str) -> Decision:
    with gov.engine.connect() as conn:
        return check(load(conn, app_id), get_account(conn, actor_id), name)


def execute(gov: Governance, app_id: str, name: str, actor_id: int, /, at: dt.datetime | None = None, **args: Any) -> Application:
    """Run one command; returns the new state. Raises Denied with the reason."""
    at = audit.utc(at)
    appended: list[Event] = []

    def work(conn: sa.Connection) -> Application:
        appended.clear()
        app = load(conn, app_id)
        actor = get_account(conn, actor_id)
        decision = check(app, actor, name)
        if not decision:
            raise Denied(decision.reason)
        ctx = Context(gov, conn, app, actor, application_roles(app, actor), at, args)
        new = commands(app.kind)[name].handler(ctx)
        appended.extend(audit.append(conn, stream(app_id), app.seq, actor_id, at, new))
        return load(conn, app_id)

    state = audit.run_with_retry(gov.engine, work)
    _notify(gov, state, appended)
    return state


def system_append(gov: Governance, app_id: str, at: dt.datetime, produce: Callable[[Application], list[NewEvent]]) -> Application:
    """Append events the node itself decides on (expiry, reminders), with the same retry."""
    at = audit.utc(at)
    appended: list[Event] = []

    def work(conn: sa.Connection) -> Application:
        appended.clear()
        app = load(conn, app_id)
        new = produce(app)
        if new:
            appended.extend(audit.append(conn, stream(app_id), app.seq, None, at, new))
        return load(conn, app_id)

    state = audit.run_with_retry(gov.engine, work)
    _notify(gov, state, appended)
    return state


def create(gov: Governance, kind: str, actor_id: int, at: dt.datetime | None = None, form: dict[str, Any] | None = None) -> Application:
    """Open a new application (number DAR-YYYY-NNNN or CR-YYYY-NNNN) in draft."""
    if kind not in REGISTRY:
        raise GovernanceError(f"unknown procedure {kind!r}; use 'dar' or 'clinical'")
    at = audit.utc(at)
    fields = check_fields(kind, form or {})
    prefix = {"dar": "DAR", "clinical": "CR"}[kind]

    def work(conn: sa.Connection) -> Application:
        actor = get_account(conn, actor_id)
        if not actor.active:
            raise Denied("this account is disabled")
        if kind == "clinical":
            fields.update(check_creator(conn, actor, fields))
        n = conn.execute(
            sa.select(sa.func.count()).select_from(app_table).where(app_table.c.kind == kind, app_table.c.id.like(f"{prefix}-{at.year}-%"))
        ).fetchall()[0][0]
        app_id = f"{prefix}-{at.year}-{int(n) + 1:04d}"
        conn.execute(app_table.insert().values(id=app_id, kind=kind, created_by=actor_id, created_at=at.replace(tzinfo=None)))
        audit.append(conn, stream(app_id), 0, actor_id, at, [NewEvent("created", {"kind": kind, "form": fields})])
        return load(conn, app_id)

    return audit.run_with_retry(gov.engine, work)


def list_applications(gov: Governance, kind: str | None = None) -> list[Application]:
    with gov.engine.connect() as conn:
        q = sa.select(app_table.c.id).order_by(app_table.c.created_at, app_table.c.id)
        if kind:
            q = q.where(app_table.c.kind == kind)
        return [load(conn, r[0]) for r in conn.execute(q).fetchall()]


def _notify(gov: Governance, app: Application, events: list[Event]) -> None:
    if events and gov.mailer is not None:
        notify_events(gov, app, events)

    listeners.dispatch(gov, app, events)
