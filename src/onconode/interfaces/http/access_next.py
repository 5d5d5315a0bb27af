"""The confirmation after each action on an application: what just happened, what happens
next, who acts and by when (REMS and the applicants' walk: an action that ends on the same
page with no word leaves people unsure whether it worked and what to wait for).

Computed from the application as it is after the command (its state, deadlines and term),
so the page says the same thing however it was reached; the command's name only picks the
sentence.
"""

from __future__ import annotations

import datetime as dt

from onconode.access import events as S
from onconode.access.deadlines import CLINICAL_TARGET, decision_due
from onconode.access.events import Application

PARTIES = {"researcher": "the researcher", "licensee": "the licensee's signatory", "foundation": "the data access office"}


def _day(when: dt.datetime | None) -> str:
    return when.strftime("%d %B %Y") if when else "a date set when it is decided"


def _due(app: Application) -> str:
    return _day(decision_due(app))


def _signatures(app: Application) -> str:
    missing = [PARTIES[p] for p in PARTIES if p not in app.signatures]
    if app.state == S.ACTIVE or not missing:
        return (f"Signed by everyone: the licence is in force until {_day(app.term_end)}. The release is prepared "
                "for the download contacts, who get an email when it is ready to fetch.")
    return f"Signature recorded. Still to sign: {', '.join(missing)}. Each gets an email; the data are released after the last signature."


def _decided(app: Application) -> str:
    decision = (app.decision or {}).get("decision")
    if decision == "approve":
        return ("Approved. Next the data access office issues the licence for signature (the researcher, the licensee's "
                "signatory and the office sign it); the data are released after the last signature. Everyone named gets an email.")
    if decision == "return":
        return ("Returned to the applicant with your reasons. The applicant changes the form and submits it again; "
                "the six-week decision clock starts again then.")
    return "Rejected. The applicant gets an email with your reasons; nothing more happens unless they apply again."


def _purpose(app: Application) -> str:
    if app.state == S.APPROVED and app.decided_at:
        return (f"Approved by both PIs. The data manager prepares the data within one week, by {_day(app.decided_at + CLINICAL_TARGET)}; "
                "the requester gets an email when they are available.")
    return "Approval recorded. The other PI (central or local) approves next; each gets an email."


def _assessed(app: Application) -> str:
    if app.state == S.BOARD:
        return f"Assessment recorded. All assessments are in: the Data Access Board votes and decides by {_due(app)}."
    return f"Assessment recorded. The other assigned Scientific Board members assess next; the decision is due by {_due(app)}."


def _extension(app: Application) -> str:
    decision = ((app.extension or {}).get("decision") or {}).get("decision")
    if decision == "approve":
        return f"Extension approved: the licence now runs until {_day(app.term_end)}. The signatory gets an email."
    return f"Extension rejected: the licence ends on {_day(app.term_end)} as before. The signatory gets an email with your reasons."


def confirmation(command: str, app: Application, filename: str = "") -> str | None:
    """The sentence for `command` just done on `app`; None for an unknown command."""
    if command == "save":
        return f"Draft saved as {app.id}. Nothing has been sent yet: submit it when the form is complete."
    if command == "attach":
        return f"{filename or 'The document'} is attached to {app.id}, and your answers are saved. Submit when the form is complete."
    if command == "submit" and app.kind == "clinical":
        return ("Submitted. The central PI and the local PI of the hospital approve the purpose; the data are prepared within "
                "one week of approval. You get an email at each step.")
    texts = {
        "submit": (f"Submitted. The data access office assigns Scientific Board members, then the Data Access Board decides, "
                   f"by {_due(app)} (six weeks). You get an email at each step."),
        "assign": (f"Scientific Board members assigned. Each gets an email and gives an assessment; then the Data Access Board "
                   f"votes. The decision is due by {_due(app)}."),
        "assess": _assessed(app),
        "vote": f"Vote recorded. When the board has voted, the decision is recorded, by {_due(app)}.",
        "decide": _decided(app),
        "issue_licence": (f"Licence revision {(app.licence or {}).get('revision', 1)} issued for signature. The researcher, "
                          "the licensee's signatory and the data access office each get an email to sign it."),
        "sign": _signatures(app),
        "request_contact": ("Contact requested. The data access office confirms the new contact; they can download once "
                            "confirmed and once their account has multi-factor authentication."),
        "confirm_contact": ("Contact confirmed. They get an email and can download once their account has multi-factor "
                            "authentication."),
        "request_extension": (f"Extension requested. The Data Access Board decides by {_due(app)}; until then access "
                              f"continues as licensed (the term ends {_day(app.term_end)})."),
        "decide_extension": _extension(app),
        "approve_purpose": _purpose(app),
        "reject": "Rejected. The requester gets an email with your reasons.",
        "mark_prepared": "Marked as prepared. The requester gets an email that the data are available.",
        "revoke": "Access revoked now: download links stop working and everyone named gets an email.",
        "close": "Closed. Nothing more happens; the application and its history stay readable.",
    }
    return texts.get(command)
