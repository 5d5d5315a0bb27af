"""Deadlines and the node's clock: the six-week decision, the one-week Clinical Request
target, term-end reminders and automatic expiry.

`deadline_report` is what the office and boards look at; `run_deadlines` is what a
scheduler (cron, or the CLI `onconode access deadlines --run`) calls: it sends each
reminder once (recorded as an event, so a second run sends nothing new) and expires
terms that have ended. Access stops at term end even before it runs: `can_download`
applies the clock itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onconode.access import audit
from onconode.access import events as S
from onconode.access.audit import NewEvent
from onconode.access.db import Governance
from onconode.access.events import Application
from onconode.access.notify import emails_of, emails_with_role
from onconode.access.roles import Role
from onconode.access.workflow import list_applications, system_append

DECISION_WEEKS = 6
DECISION_WARNING = dt.timedelta(days=7)
CLINICAL_TARGET = dt.timedelta(days=7)
TERM_REMINDER = dt.timedelta(days=60)
UNDECIDED = {S.SUBMITTED, S.SCIENTIFIC, S.BOARD}


@dataclass(frozen=True)
class Deadline:
    application: str
    kind: str
    what: str
    due: dt.datetime
    overdue: bool
    days_left: int


def decision_due(app: Application) -> dt.datetime | None:
    if app.kind == "dar" and app.state in UNDECIDED and app.received_at is not None:
        return app.received_at + dt.timedelta(weeks=DECISION_WEEKS)
    if app.kind == "dar" and app.state == S.EXTENSION and app.extension is not None:
        return app.extension["at"] + dt.timedelta(weeks=DECISION_WEEKS)
    return None


def deadlines_of(app: Application, at: dt.datetime) -> list[Deadline]:
    out = []

    def add(what: str, due: dt.datetime) -> None:
        out.append(Deadline(app.id, app.kind, what, due, at > due, (due - at).days))

    due = decision_due(app)
    if due is not None:
        add("board decision (six weeks from receipt)", due)
    if app.kind == "clinical" and app.state == S.APPROVED and app.decided_at is not None:
        add("data prepared (one week from approval)", app.decided_at + CLINICAL_TARGET)
    if app.state in (S.ACTIVE, S.EXTENSION) and app.term_end is not None:
        add("term end", app.term_end)
    return out


def deadline_report(gov: Governance, at: dt.datetime | None = None) -> list[Deadline]:
    at = audit.utc(at)
    rows = [d for app in list_applications(gov) for d in deadlines_of(app, at)]
    return sorted(rows, key=lambda d: d.due)


def run_deadlines(gov: Governance, at: dt.datetime | None = None) -> list[str]:
    """Send due reminders (once each) and expire ended terms; returns what was done."""
    at = audit.utc(at)
    done: list[str] = []
    for app in list_applications(gov):
        if app.state_at(at) == S.EXPIRED and app.state != S.EXPIRED:
            system_append(gov, app.id, at, lambda a: [NewEvent("expired", {})] if a.state_at(at) == S.EXPIRED and a.state != S.EXPIRED else [])
            done.append(f"{app.id}: term ended {app.term_end:%Y-%m-%d}; expired, access stopped")
            continue
        for reminder in _reminders(gov, app, at):
            key = reminder["key"]
            system_append(gov, app.id, at, lambda a, r=reminder: [NewEvent("reminder_sent", r)] if r["key"] not in a.reminders else [])
            done.append(f"{app.id}: {reminder['subject']}")
    return done


def _reminders(gov: Governance, app: Application, at: dt.datetime) -> list[dict]:
    out = []
    due = decision_due(app)
    if due is not None and at >= due - DECISION_WARNING:
        kind = "overdue" if at > due else "near"
        key = f"decision-{kind}-{due.date()}"
        if key not in app.reminders:
            to = emails_with_role(gov, Role.ACCESS_BOARD) + emails_with_role(gov, Role.ACCESS_OFFICE) + emails_of(gov, app.assigned)
            out.append({"key": key, "to": sorted(set(to)), "subject": f"[{app.id}] decision deadline {kind}: {due:%Y-%m-%d}",
                        "body": f"The decision on {app.id} is due on {due:%Y-%m-%d} (six weeks from receipt)."})
    if app.kind == "clinical" and app.state == S.APPROVED and app.decided_at is not None and at > app.decided_at + CLINICAL_TARGET:
        key = "clinical-target-overdue"
        if key not in app.reminders:
            out.append({"key": key, "to": emails_with_role(gov, Role.DATA_MANAGER) + emails_with_role(gov, Role.ACCESS_OFFICE),
                        "subject": f"[{app.id}] data preparation overdue", "body": f"The data of {app.id} was due within one week of approval."})
    if app.state == S.ACTIVE and app.term_end is not None and at >= app.term_end - TERM_REMINDER:
        key = f"term-ending-{app.term_end.date()}"
        if key not in app.reminders:
            to = [app.signatory] if app.signatory else emails_of(gov, [app.applicant])
            out.append({"key": key, "to": to, "subject": f"[{app.id}] licence term ends {app.term_end:%Y-%m-%d}",
                        "body": f"The licence term of {app.id} ends on {app.term_end:%Y-%m-%d}. To continue, the licensee's signatory can request an extension."})
    return out
