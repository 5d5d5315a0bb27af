"""The one gate to licensed data: `can_download`, and the log of every view and download.

The release and portal layers ask here and nowhere else. Data flows only when every
condition holds: approved DAR, all three signatures on the current licence, an active
term, and a download contact (or, for a Clinical Request, the requesting physician)
whose account has multi-factor authentication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from onconode.access import audit, duo
from onconode.access import events as S
from onconode.access.db import Governance, GovernanceError
from onconode.access.identity import find_account, get_account
from onconode.access.workflow import list_applications, load
from onconode.access.review import requester_for


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    items: list[dict[str, Any]] = field(default_factory=list)
    patients: list[str] | None = None

    def __bool__(self) -> bool:
        return self.allowed


def check_download(conn: sa.Connection, account_id: int, app_id: str, at: dt.datetime) -> Decision:
    at = audit.utc(at)
    try:
        app = load(conn, app_id)
        user = get_account(conn, account_id)
    except GovernanceError as exc:
        return Decision(False, str(exc))
    state = app.state_at(at)
    if not user.active:
        return Decision(False, "the account is disabled")
    if state not in (S.ACTIVE, S.EXTENSION):
        return Decision(False, f"{app_id} is {state}: data is available only while the licence is active")
    if app.term_start is None or app.term_end is None or not app.term_start <= at < app.term_end:
        return Decision(False, f"{app_id}'s term is not running at {at:%Y-%m-%d %H:%M}")
    if app.kind == "dar":
        if app.decision is None or app.decision.get("decision") != "approve":
            return Decision(False, f"{app_id} has no approving decision")
        if not app.fully_signed:
            return Decision(False, f"the licence of {app_id} is not signed by all three parties")
        if user.email not in app.contact_emails:
            return Decision(False, f"{user.email} is not a download contact of {app_id}")
        items = list(app.decision["items"])
        patients = None
    else:
        if user.id != app.applicant and user.email != (app.form.get("physician_email") or "").lower():
            return Decision(False, f"only the requesting physician receives the data of {app_id}")
        items = list(app.form.get("items") or [])
        patients = list(app.form.get("patients") or [])
    if not user.mfa_enabled:
        return Decision(False, f"{user.email} must enable multi-factor authentication before downloading")
    return Decision(True, "allowed", items, patients)


def can_download(gov: Governance, account_id: int, app_id: str, at: dt.datetime | None = None) -> Decision:
    """May this account receive the licensed data of this application now?"""
    with gov.engine.connect() as conn:
        return check_download(conn, account_id, app_id, audit.utc(at))


def log_access(gov: Governance, account_id: int, app_id: str, action: str, what: str, at: dt.datetime | None = None) -> Decision:
    """Check and record a view or download of licensed data (denied attempts too)."""
    if action not in ("view", "download"):
        raise GovernanceError("action must be view or download")
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Decision:
        d = check_download(conn, account_id, app_id, at)
        audit.record(conn, f"access:{app_id}", account_id, at, f"data_{action}" if d else f"data_{action}_denied", {"what": what, "reason": d.reason})
        return d

    return audit.run_with_retry(gov.engine, work)


def _account_of(conn: sa.Connection, user: str) -> Any:
    """The analysis layer names users by email; an account id (digits) is accepted too."""
    if user.isdigit():
        try:
            return get_account(conn, int(user))
        except GovernanceError:
            return None
    return find_account(conn, user)


SelectionPatients = Callable[[dict[str, Any]], "tuple[Any, set[str]] | None"]
"""For a DAR's form: (the store snapshot at its freeze, the patients of its saved cohort or
else its datasets), or None when that data is not on this node. Passed in by the caller
(analysis answers it: `saved.selection_patients`), so access never reads genomic data itself."""


def _dar_patients(conn: sa.Connection, app: Any, selection: SelectionPatients, at: dt.datetime) -> set[str]:
    """The patients a DAR's licence covers: its saved cohort (else its datasets) at its
    freeze, minus patients whose consent does not cover the purpose (never released)."""
    found = selection(app.form)
    if not found or not found[1]:
        return set()
    snap, patients = found
    excluded = duo.excluded_patients(snap.store, duo.Purpose.from_form(app.form.get("purpose") or {}),
                                     requester_for(conn, app, at), freeze=snap.freeze, patients=patients)
    return patients - set(excluded)


def licensed_patients(gov: Governance, user: str, selection: SelectionPatients, at: dt.datetime | None = None) -> set[str]:
    """Patient ids the user's licences cover now: the disclosure gate's `licensed_scope`.

    Only applications for which `check_download` allows this user count (approved, all
    three signatures, term running, MFA-verified contact, or the physician of an active
    Clinical Request), so a revoked, expired or unsigned licence widens nothing.
    """
    at = audit.utc(at)
    scope: set[str] = set()
    apps = list_applications(gov)  # before our connection: SQLite's BEGIN IMMEDIATE admits one at a time
    with gov.engine.connect() as conn:
        account = _account_of(conn, user)
        if account is None:
            return scope
        for app in apps:
            d = check_download(conn, account.id, app.id, at)
            if not d:
                continue
            scope |= set(d.patients or []) if app.kind == "clinical" else _dar_patients(conn, app, selection, at)
    return scope
