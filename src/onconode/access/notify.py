"""Email notifications for every step of the procedures.

A mailer sends `EmailMessage`s: `SmtpMailer` talks SMTP (the [smtp] section of the
node's settings: host, port, sender); the embedded default `OutboxMailer`
writes .eml files to `<home>/outbox/` so a demo node never needs a mail server and the
office can read what would have been sent. Messages are sent after the events are
committed: a failed send never undoes a decision.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterable, Protocol

import sqlalchemy as sa

from onconode import private
from onconode.access.audit import Event
from onconode.access.events import Application
from onconode.access.roles import Role
from onconode.access.schema import account, role_grant
from onconode.db import jobs
from onconode.settings import Settings

log = logging.getLogger(__name__)
SENDER = "data-access-office@onconode.invalid"


class Mailer(Protocol):
    sender: str

    def send(self, message: EmailMessage) -> None: ...


class OutboxMailer:
    def __init__(self, folder: Path, sender: str = SENDER) -> None:
        self.folder, self.sender = folder, sender

    def send(self, message: EmailMessage) -> None:
        private.make_dir(self.folder)
        n = len(list(self.folder.glob("*.eml"))) + 1
        slug = "".join(ch if ch.isalnum() else "-" for ch in str(message["Subject"]))[:60].strip("-")
        private.write_bytes(self.folder / f"{n:06d}-{slug}.eml", bytes(message))  # may hold confirmation links


class SmtpMailer:
    def __init__(self, host: str, port: int = 25, timeout: float = 10.0, sender: str = SENDER) -> None:
        self.host, self.port, self.timeout, self.sender = host, port, timeout, sender

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def default_mailer(home: Path) -> Mailer:
    smtp = Settings.load(home).smtp
    if smtp.host:
        return SmtpMailer(smtp.host, smtp.port, sender=smtp.sender)
    return OutboxMailer(home / "outbox", smtp.sender)


MAIL_JOB = "mail"
MAIL_ATTEMPTS = 6  # retried 5, 10, 20, 40, 80 s after an SMTP failure
BY_JOB = "mail_by_job"


def message(sender: str, recipients: list[str], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_content(body + "\n\n-- \nThis message was sent by the onconode data access system.\n")
    return msg


def send(gov: Any, to: Iterable[str], subject: str, body: str) -> None:
    """Mail the people concerned. On a serving node (governance option `mail_by_job`,
    set by `onconode serve` and the workers) the message is queued as a job, so a request
    never waits on the mail server and a failed send is retried; otherwise it is sent now."""
    recipients = sorted({t for t in to if t})
    if not recipients or gov.mailer is None:
        return
    if gov.options.get(BY_JOB):
        jobs.enqueue(gov.engine, MAIL_JOB, {"to": recipients, "subject": subject, "body": body},
                     max_attempts=MAIL_ATTEMPTS, created_by="notify")
        return
    msg = message(getattr(gov.mailer, "sender", SENDER), recipients, subject, body)
    try:
        gov.mailer.send(msg)
    except (OSError, smtplib.SMTPException) as exc:  # never undo a committed step because mail failed
        log.warning("could not send %r to %s: %s", subject, msg["To"], exc)


def emails_with_role(gov: Any, role: Role) -> list[str]:
    with gov.engine.connect() as conn:
        q = sa.select(account.c.email).join(role_grant, role_grant.c.account_id == account.c.id).where(role_grant.c.role == role.value)
        return [r[0] for r in conn.execute(q).fetchall()]


def emails_of(gov: Any, ids: Iterable[int]) -> list[str]:
    ids = list(ids)
    if not ids:
        return []
    with gov.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(account.c.email).where(account.c.id.in_(ids))).fetchall()]


def notify_events(gov: Any, app: Application, events: list[Event]) -> None:
    """Tell the people concerned about each new event."""
    applicant = emails_of(gov, [app.applicant])
    signatory = [app.signatory] if app.signatory else []
    title = f"{app.id} {app.form.get('title', '')}".strip()
    office = lambda: emails_with_role(gov, Role.ACCESS_OFFICE)  # noqa: E731
    for e in events:
        p = e.payload
        if e.type == "submitted":
            send(gov, applicant, f"[{app.id}] submitted", f"Your application {title} was received on {e.at:%Y-%m-%d}. The board decides within six weeks.")
            send(gov, office(), f"[{app.id}] new application submitted", f"{title} was submitted and awaits assignment.")
            if app.kind == "clinical":
                send(gov, emails_with_role(gov, Role.CENTRAL_PI) + emails_with_role(gov, Role.LOCAL_PI),
                     f"[{app.id}] clinical request awaits approval", f"{title} needs the central and local PI's approval of its purpose.")
        elif e.type == "assigned":
            send(gov, emails_of(gov, p["members"]), f"[{app.id}] assigned to you for scientific assessment", f"Please assess {title}.")
        elif e.type == "sent_to_board":
            send(gov, emails_with_role(gov, Role.ACCESS_BOARD), f"[{app.id}] ready for board review", f"{title} has its scientific assessment and awaits your vote.")
        elif e.type in ("decided", "clinical_approved", "clinical_rejected"):
            decision = p.get("decision", "approve" if e.type == "clinical_approved" else "reject")
            send(gov, applicant + signatory, f"[{app.id}] decision: {decision}", f"The decision on {title}: {decision}.\nReasons: {p.get('reasons', '')}")
        elif e.type == "licence_issued":
            send(gov, applicant + signatory + office(), f"[{app.id}] licence ready: signature needed",
                 f"The {p['variant']} licence (revision {p['revision']}, SHA-256 {p['sha256']}) awaits your signature.")
        elif e.type == "activated" or e.type == "data_prepared":
            send(gov, applicant + signatory + sorted(app.contact_emails), f"[{app.id}] access activated",
                 f"{title} is active until {app.term_end:%Y-%m-%d}. Download contacts need an account with multi-factor authentication.")
        elif e.type == "contact_requested":
            send(gov, office() + signatory, f"[{app.id}] download contact requested", f"Request to add {p['name']} <{p['email']}> ({p['position']}). The office confirms receipt.")
        elif e.type == "contact_added":
            send(gov, [p["email"]] + signatory, f"[{app.id}] download contact added",
                 f"{p['email']} was added as download contact. Access starts once the account has multi-factor authentication.")
        elif e.type == "extension_requested":
            send(gov, office() + emails_with_role(gov, Role.ACCESS_BOARD), f"[{app.id}] extension requested", f"An extension of {p['months']} months was requested.")
        elif e.type == "extension_decided":
            send(gov, applicant + signatory, f"[{app.id}] extension {p['decision']}d", f"Reasons: {p['reasons']}")
        elif e.type == "reminder_sent":
            send(gov, p.get("to", []), p["subject"], p["body"])
        elif e.type in ("expired", "revoked", "closed"):
            send(gov, applicant + signatory + sorted(app.contact_emails), f"[{app.id}] {e.type}", f"{title} is {e.type}; access to the data has stopped. {p.get('reasons', '')}")
