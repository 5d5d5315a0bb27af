"""Access work as jobs: sending a notification (retried when the mail server fails) and
the periodic deadline check (reminders once each, terms that ended expire).

Why: a web request must not wait on an SMTP server, and a mail server that is down for a
minute must not lose a decision's notification; and the node's clock must expire terms
without an operator's cron line (`onconode access deadlines --run` still works by hand).
"""

from __future__ import annotations

from typing import Any

from onconode.access.deadlines import run_deadlines
from onconode.access.notify import MAIL_ATTEMPTS, MAIL_JOB, SENDER, message
from onconode.db import job_kinds
from onconode.db.job_kinds import Context

DEADLINES = "deadlines"
DEADLINES_EVERY_SECONDS = 3600.0


def run_mail(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Send one queued message with the node's mailer (SMTP, or the outbox folder); an
    SMTP failure raises, and the queue tries again later."""
    mailer = ctx.gov.mailer
    mailer.send(message(getattr(mailer, "sender", SENDER), list(params["to"]), params["subject"], params["body"]))
    return {"to": params["to"], "subject": params["subject"]}


def run_deadline_check(ctx: Context, _params: dict[str, Any]) -> list[str]:
    return run_deadlines(ctx.gov)


def register() -> None:
    job_kinds.register(MAIL_JOB, run_mail, max_attempts=MAIL_ATTEMPTS, description="send a notification",
                       private=("body",))
    job_kinds.register(DEADLINES, run_deadline_check, every_seconds=DEADLINES_EVERY_SECONDS,
                       description="decision reminders, term-end reminders and expiry")
