"""Event types of the two procedures, and the fold that turns events into state.

An application's state is never stored: `fold(events)` replays its stream. Adding a new
event type means adding it here with how it changes the state; old logs stay readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from onconode.access.audit import Event

DRAFT, SUBMITTED, SCIENTIFIC, BOARD, RETURNED = "draft", "submitted", "scientific_assessment", "board_review", "returned"
APPROVED, REJECTED, PENDING_SIGNATURES, ACTIVE = "approved", "rejected", "licence_pending_signatures", "active"
EXTENSION, EXPIRED, CLOSED, REVOKED = "extension_requested", "expired", "closed", "revoked"
STATES = (DRAFT, SUBMITTED, SCIENTIFIC, BOARD, RETURNED, APPROVED, REJECTED, PENDING_SIGNATURES, ACTIVE, EXTENSION, EXPIRED, CLOSED, REVOKED)
FINAL = frozenset({REJECTED, EXPIRED, CLOSED, REVOKED})
PARTIES = ("researcher", "licensee", "foundation")


def add_months(at: dt.datetime, months: int) -> dt.datetime:
    """Same day `months` later (clamped to the month's last day)."""
    y, m = divmod(at.month - 1 + months, 12)
    year, month = at.year + y, m + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


@dataclass
class Application:
    """The state of one application, as folded from its events."""

    id: str
    kind: str
    applicant: int
    created_at: dt.datetime
    state: str = DRAFT
    seq: int = 0
    form: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    received_at: dt.datetime | None = None
    assigned: list[int] = field(default_factory=list)
    assessments: dict[int, dict[str, Any]] = field(default_factory=dict)
    votes: dict[int, dict[str, Any]] = field(default_factory=dict)
    decision: dict[str, Any] | None = None
    decided_at: dt.datetime | None = None
    licence: dict[str, Any] | None = None
    signatures: dict[str, dict[str, Any]] = field(default_factory=dict)
    voided_signatures: int = 0
    term_start: dt.datetime | None = None
    term_end: dt.datetime | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    contact_requests: list[dict[str, Any]] = field(default_factory=list)
    extension: dict[str, Any] | None = None
    purpose_approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    prepared_at: dt.datetime | None = None
    reminders: set[str] = field(default_factory=set)
    history: list[tuple[dt.datetime, str, int | None]] = field(default_factory=list)

    @property
    def signatory(self) -> str | None:
        return (self.form.get("signatory_email") or "").lower() or None

    @property
    def contact_emails(self) -> set[str]:
        return {c["email"].lower() for c in self.contacts}

    @property
    def fully_signed(self) -> bool:
        return self.licence is not None and all(
            p in self.signatures and self.signatures[p]["sha256"] == self.licence["sha256"] for p in PARTIES
        )

    def state_at(self, at: dt.datetime) -> str:
        """The state with the clock applied: an active term that has ended is expired."""
        if self.state in (ACTIVE, EXTENSION) and self.term_end is not None and at >= self.term_end:
            return EXPIRED
        return self.state


def _created(a: Application, e: Event) -> None:
    a.form.update(e.payload.get("form", {}))


def _draft_saved(a: Application, e: Event) -> None:
    a.form.update(e.payload["fields"])


def _attached(a: Application, e: Event) -> None:
    a.attachments.append(e.payload)


def _submitted(a: Application, e: Event) -> None:
    a.state, a.received_at = SUBMITTED, e.at
    a.assessments, a.votes, a.decision, a.assigned = {}, {}, None, []


def _assigned(a: Application, e: Event) -> None:
    a.state, a.assigned = SCIENTIFIC, list(e.payload["members"])


def _assessed(a: Application, e: Event) -> None:
    a.assessments[e.actor] = {**e.payload, "at": e.at}


def _to_board(a: Application, e: Event) -> None:
    a.state = BOARD


def _voted(a: Application, e: Event) -> None:
    a.votes[e.actor] = {**e.payload, "at": e.at}


def _decided(a: Application, e: Event) -> None:
    a.decision, a.decided_at = dict(e.payload), e.at
    a.state = {"approve": APPROVED, "reject": REJECTED, "return": RETURNED}[e.payload["decision"]]


def _licence_issued(a: Application, e: Event) -> None:
    if a.signatures:
        a.voided_signatures += len(a.signatures)
    a.licence, a.signatures, a.state = dict(e.payload), {}, PENDING_SIGNATURES


def _signed(a: Application, e: Event) -> None:
    a.signatures[e.payload["party"]] = {**e.payload, "actor": e.actor, "at": e.at}


def _activated(a: Application, e: Event) -> None:
    a.state = ACTIVE
    a.term_start = e.at
    a.term_end = dt.datetime.fromisoformat(e.payload["term_end"])
    a.contacts = [dict(c) for c in a.form.get("contacts", [])] + [c for c in a.contacts if c.get("added")]


def _contact_requested(a: Application, e: Event) -> None:
    a.contact_requests.append({**e.payload, "at": e.at, "status": "requested"})


def _contact_added(a: Application, e: Event) -> None:
    for r in a.contact_requests:
        if r["request"] == e.payload["request"]:
            r["status"] = "confirmed"
            a.contacts.append({"name": r["name"], "email": r["email"], "position": r["position"], "added": True})


def _extension_requested(a: Application, e: Event) -> None:
    a.state, a.extension = EXTENSION, {**e.payload, "at": e.at}


def _extension_decided(a: Application, e: Event) -> None:
    a.state = ACTIVE
    if a.extension is not None:
        a.extension["decision"] = dict(e.payload)
    if e.payload["decision"] == "approve":
        a.term_end = dt.datetime.fromisoformat(e.payload["term_end"])


def _purpose_approved(a: Application, e: Event) -> None:
    a.purpose_approvals[e.payload["as"]] = {"actor": e.actor, "at": e.at, "comment": e.payload.get("comment", "")}


def _cr_approved(a: Application, e: Event) -> None:
    a.state, a.decided_at = APPROVED, e.at
    a.decision = {"decision": "approve", "reasons": e.payload.get("reasons", "")}


def _cr_rejected(a: Application, e: Event) -> None:
    a.state, a.decided_at = REJECTED, e.at
    a.decision = {"decision": "reject", "reasons": e.payload["reasons"]}


def _prepared(a: Application, e: Event) -> None:
    a.state, a.prepared_at = ACTIVE, e.at
    a.term_start, a.term_end = e.at, dt.datetime.fromisoformat(e.payload["term_end"])


def _reminder(a: Application, e: Event) -> None:
    a.reminders.add(e.payload["key"])


def _to(state: str) -> Callable[[Application, Event], None]:
    def apply(a: Application, e: Event) -> None:
        a.state = state

    return apply


APPLY: dict[str, Callable[[Application, Event], None]] = {
    "created": _created,
    "draft_saved": _draft_saved,
    "attachment_added": _attached,
    "submitted": _submitted,
    "assigned": _assigned,
    "scientific_assessment_given": _assessed,
    "sent_to_board": _to_board,
    "voted": _voted,
    "decided": _decided,
    "licence_issued": _licence_issued,
    "licence_signed": _signed,
    "activated": _activated,
    "contact_requested": _contact_requested,
    "contact_added": _contact_added,
    "extension_requested": _extension_requested,
    "extension_decided": _extension_decided,
    "purpose_approved": _purpose_approved,
    "clinical_approved": _cr_approved,
    "clinical_rejected": _cr_rejected,
    "data_prepared": _prepared,
    "reminder_sent": _reminder,
    "expired": _to(EXPIRED),
    "closed": _to(CLOSED),
    "revoked": _to(REVOKED),
}


def fold(app_id: str, kind: str, applicant: int, created_at: dt.datetime, events: list[Event]) -> Application:
    a = Application(app_id, kind, applicant, created_at)
    for e in events:
        APPLY[e.type](a, e)
        a.seq = e.seq
        a.history.append((e.at, e.type, e.actor))
    return a
