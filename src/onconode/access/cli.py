"""`onconode access …` and `onconode audit …`: admin commands. Parse, call a service, print."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

access_app = typer.Typer(no_args_is_help=True, help="Data-access governance: accounts, applications, deadlines, register.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail of governance events.")
user_app = typer.Typer(no_args_is_help=True, help="Accounts and roles.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (licensees, hospitals).")
dar_app = typer.Typer(no_args_is_help=True, help="Data Access Requests.")
access_app.add_typer(user_app, name="user")
access_app.add_typer(org_app, name="org")
access_app.add_typer(dar_app, name="dar")


def _gov():
    from onconode.access import open_governance
    from onconode.cli import state

    return open_governance(state.home)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@org_app.command("add")
def org_add(org_id: str, name: str = typer.Option(..., "--name"), country: str = typer.Option(..., "--country"),
            sector: str = typer.Option("non-profit", "--sector", help="non-profit or commercial")) -> None:
    """Add an organisation; its country decides the EEA / non-EEA licence."""
    from onconode.access.db import GovernanceError
    from onconode.access.organisations import add_organisation

    with _gov() as gov:
        try:
            org = add_organisation(gov, org_id, name, country, sector)
        except GovernanceError as exc:
            _fail(str(exc))
    typer.echo(org.board_summary())


@user_app.command("add")
def user_add(email: str, name: str = typer.Option(..., "--name"), surname: str = typer.Option(..., "--surname"),
             role: list[str] = typer.Option([], "--role", help="Global role (repeatable)."),
             organisation: Optional[str] = typer.Option(None, "--org"), hospital: Optional[str] = typer.Option(None, "--hospital"),
             password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True)) -> None:
    """Create an account (staff and board roles must then enrol MFA)."""
    from onconode.access import identity
    from onconode.access.db import GovernanceError

    with _gov() as gov:
        try:
            acc = identity.register(gov, email, name, surname, password, roles=tuple(role), organisation_id=organisation, hospital_code=hospital)
        except (GovernanceError, ValueError) as exc:
            _fail(str(exc))
    typer.echo(f"account {acc.id} {acc.email} roles: {', '.join(sorted(r.value for r in acc.roles)) or 'none'}")


@user_app.command("mfa")
def user_mfa(email: str, qr: Optional[str] = typer.Option(None, "--qr", help="Write the enrolment QR code (SVG) here.")) -> None:
    """Start TOTP enrolment; confirm with `access user mfa-confirm EMAIL CODE`."""
    from onconode.access import identity

    with _gov() as gov:
        with gov.engine.connect() as conn:
            acc = identity.find_account(conn, email)
        if acc is None:
            _fail(f"no account {email}")
        enrol = identity.begin_mfa_enrolment(gov, acc.id)
    if qr:
        with open(qr, "w", encoding="utf-8") as fh:
            fh.write(enrol.qr_svg)
    typer.echo(enrol.uri)


@user_app.command("mfa-confirm")
def user_mfa_confirm(email: str, code: str) -> None:
    """Turn MFA on with the first code; prints the recovery codes once."""
    from onconode.access import identity
    from onconode.access.db import GovernanceError

    with _gov() as gov:
        with gov.engine.connect() as conn:
            acc = identity.find_account(conn, email)
        if acc is None:
            _fail(f"no account {email}")
        try:
            codes = identity.confirm_mfa(gov, acc.id, code)
        except GovernanceError as exc:
            _fail(str(exc))
    typer.echo("MFA enabled. Recovery codes (store them safely; shown only now):\n" + "\n".join(codes))


@user_app.command("totp")
def user_totp(email: str) -> None:
    """Print a DEMO account's current authenticator code (refused on a real node)."""
    from onconode.access.db import GovernanceError
    from onconode.access.demo_accounts import demo_totp_code

    with _gov() as gov:
        try:
            code = demo_totp_code(gov, email)
        except GovernanceError as exc:
            _fail(str(exc))
    typer.echo(code)


@dar_app.command("list")
def dar_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Applications with their state."""
    from onconode.access.workflow import list_applications

    with _gov() as gov:
        apps = list_applications(gov)
    rows = [{"id": a.id, "kind": a.kind, "state": a.state, "title": a.form.get("title", "")} for a in apps]
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
    for r in rows if not as_json else []:
        typer.echo(f"{r['id']}\t{r['state']}\t{r['title']}")


@access_app.command("deadlines")
def deadlines(run: bool = typer.Option(False, "--run", help="Also send due reminders and expire ended terms.")) -> None:
    """Decision deadlines, Clinical Request targets and term ends; overdue first flagged."""
    from onconode.access.deadlines import deadline_report, run_deadlines

    with _gov() as gov:
        done = run_deadlines(gov) if run else []
        rows = deadline_report(gov)
    for line in done:
        typer.echo(line)
    for d in rows:
        typer.echo(f"{'OVERDUE ' if d.overdue else ''}{d.application}\t{d.what}\t{d.due:%Y-%m-%d}\t{d.days_left} days")


@access_app.command("register")
def register_cmd() -> None:
    """The public register of approved DARs as JSON."""
    from onconode.access.register import public_register

    with _gov() as gov:
        sys.stdout.write(json.dumps(public_register(gov), indent=2) + "\n")


def _verify(expect_head: Optional[str]) -> None:
    from onconode.access import audit

    with _gov() as gov:
        with gov.engine.connect() as conn:
            v = audit.verify(conn, expect_head=expect_head)
    if v.ok:
        typer.echo(f"audit trail intact: {v.events} events, head {v.head}")
        return
    for p in v.problems:
        typer.echo(p, err=True)
    typer.echo(f"audit trail BROKEN: {len(v.problems)} problem(s) in {v.events} events", err=True)
    raise typer.Exit(3)


HEAD_HELP = "Hash printed by an earlier `audit head`; detects events removed from the end."


@audit_app.command("verify")
def audit_verify(expect_head: Optional[str] = typer.Option(None, "--expect-head", help=HEAD_HELP)) -> None:
    """Re-compute the hash chain; exit 3 if any event was edited, deleted or reordered."""
    _verify(expect_head)


@audit_app.command("head")
def audit_head() -> None:
    """Print the current head hash, to anchor outside the database."""
    from onconode.access import audit

    with _gov() as gov:
        with gov.engine.connect() as conn:
            typer.echo(audit.verify(conn).head)
