"""`onconode access …` and `onconode audit …`: admin commands. Parse, call a service, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from onconode.access import anchors, identity, open_governance
from onconode.access.db import GovernanceError
from onconode.access.deadlines import deadline_report, run_deadlines
from onconode.access.demo_accounts import demo_totp_code
from onconode.access.organisations import add_organisation
from onconode.access.register import public_register
from onconode.access.rotation import rotate
from onconode.access.secretbox import SecretsError
from onconode.access.workflow import list_applications
from onconode.interfaces.cli.common import CHECK_FAILED, fail, state
from onconode.store.purpose import is_demo_node

access_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
audit_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
secrets_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
user_app = typer.Typer(no_args_is_help=True, help="Accounts and roles.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (licensees, hospitals).")
dar_app = typer.Typer(no_args_is_help=True, help="Data Access Requests.")
access_app.add_typer(user_app, name="user")
access_app.add_typer(org_app, name="org")
access_app.add_typer(dar_app, name="dar")


def _gov():
    return open_governance(state.home)




@org_app.command("add")
def org_add(org_id: str, name: str = typer.Option(..., "--name"), country: str = typer.Option(..., "--country"),
            sector: str = typer.Option("non-profit", "--sector", help="non-profit or commercial")) -> None:
    """Add an organisation; its country decides the EEA / non-EEA licence."""
    with _gov() as gov:
        try:
            org = add_organisation(gov, org_id, name, country, sector)
        except GovernanceError as exc:
            fail(str(exc))
    typer.echo(org.board_summary())


@user_app.command("add")
def user_add(email: str, name: str = typer.Option(..., "--name"), surname: str = typer.Option(..., "--surname"),
             role: list[str] = typer.Option([], "--role", help="Global role (repeatable)."),
             organisation: Optional[str] = typer.Option(None, "--org"), hospital: Optional[str] = typer.Option(None, "--hospital"),
             password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True)) -> None:
    """Create an account (staff and board roles must then enrol MFA)."""
    with _gov() as gov:
        try:
            acc = identity.register(gov, email, name, surname, password, roles=tuple(role), organisation_id=organisation, hospital_code=hospital)
        except (GovernanceError, ValueError) as exc:
            fail(str(exc))
    typer.echo(f"account {acc.id} {acc.email} roles: {', '.join(sorted(r.value for r in acc.roles)) or 'none'}")


@user_app.command("mfa")
def user_mfa(email: str, qr: Optional[str] = typer.Option(None, "--qr", help="Write the enrolment QR code (SVG) here.")) -> None:
    """Start TOTP enrolment; confirm with `access user mfa-confirm EMAIL CODE`."""
    with _gov() as gov:
        with gov.engine.connect() as conn:
            acc = identity.find_account(conn, email)
        if acc is None:
            fail(f"no account {email}")
        enrol = identity.begin_mfa_enrolment(gov, acc.id)
    if qr:
        with open(qr, "w", encoding="utf-8") as fh:
            fh.write(enrol.qr_svg)
    typer.echo(enrol.uri)


@user_app.command("mfa-confirm")
def user_mfa_confirm(email: str, code: str) -> None:
    """Turn MFA on with the first code; prints the recovery codes once."""
    with _gov() as gov:
        with gov.engine.connect() as conn:
            acc = identity.find_account(conn, email)
        if acc is None:
            fail(f"no account {email}")
        try:
            codes = identity.confirm_mfa(gov, acc.id, code)
        except GovernanceError as exc:
            fail(str(exc))
    typer.echo("MFA enabled. Recovery codes (store them safely; shown only now):\n" + "\n".join(codes))


@user_app.command("totp")
def user_totp(email: str) -> None:
    """Print a DEMO account's current authenticator code (refused on a real node)."""
    with _gov() as gov:
        try:
            code = demo_totp_code(gov, email, demo_node=is_demo_node(state.home))
        except GovernanceError as exc:
            fail(str(exc))
    typer.echo(code)


@dar_app.command("list")
def dar_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Applications with their state."""
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
    with _gov() as gov:
        sys.stdout.write(json.dumps(public_register(gov), indent=2) + "\n")


ANCHOR_HELP = ("File of checkpoint lines saved from `audit head` (repeatable): the event at each anchored position "
               "must still have the anchored hash, so truncation and re-chaining show even as new events arrive.")
HEAD_HELP = "A head hash printed earlier: it must still be in the chain (new events after it are fine)."
KEY_HELP = "The audit public key you recorded (`audit key`); checkpoints signed by any other key are reported."


@audit_app.command("verify")
def audit_verify(
    anchor: list[Path] = typer.Option([], "--anchor", help=ANCHOR_HELP),
    expect_head: Optional[str] = typer.Option(None, "--expect-head", help=HEAD_HELP),
    audit_key: Optional[str] = typer.Option(None, "--audit-key", help=KEY_HELP),
) -> None:
    """Re-compute the hash chain and check it against the node's signed checkpoints and your
    anchors; exit 3 if any event was edited, deleted, reordered, cut from the end or re-chained."""
    with _gov() as gov:
        with gov.engine.connect() as conn:
            try:
                v = anchors.verify(conn, gov.home, anchor, expect_head, audit_key)
            except anchors.AnchorError as exc:
                fail(str(exc))
    if v.ok:
        typer.echo(f"audit trail intact: {v.events} events, head {v.head}, {v.anchors_checked} anchor(s) hold")
        return
    fail(f"audit trail BROKEN: {len(v.problems)} problem(s) in {v.events} events:\n" + "\n".join(v.problems), CHECK_FAILED)


@audit_app.command("head")
def audit_head() -> None:
    """Sign a checkpoint of the current head, append it to the node's checkpoint log and print
    it as one JSON line: save that line outside the node and pass the file to `verify --anchor`."""
    with _gov() as gov:
        with gov.engine.connect() as conn:
            try:
                cp = anchors.write(gov.home, conn)
            except SecretsError as exc:
                fail(str(exc))
    typer.echo(cp.line())


@audit_app.command("key")
def audit_key() -> None:
    """Print the audit public key that signs checkpoints (record it once, outside the node)."""
    with _gov() as gov:
        try:
            typer.echo(anchors.public_key(gov.home))
        except SecretsError as exc:
            fail(str(exc))


@audit_app.command("checkpoints")
def audit_checkpoints() -> None:
    """Print the node's checkpoint log (one signed JSON line per checkpoint)."""
    with _gov() as gov:
        for cp in anchors.read(anchors.log_path(gov.home)):
            typer.echo(cp.line())


@secrets_app.command("rotate")
def secrets_rotate(key_file: list[Path] = typer.Option([], "--key-file", help="A private key file kept outside the home "
                                                       "(e.g. the coordinator's) to re-encrypt too (repeatable).")) -> None:
    """Re-encrypt every TOTP secret and private key of the node under a new at-rest key
    (also seals any still stored in plaintext by an older version)."""
    with _gov() as gov:
        try:
            r = rotate(gov, key_file)
        except GovernanceError as exc:
            fail(str(exc))
    typer.echo(f"new at-rest key in {r.key_file}: {r.values} database secret(s) and {len(r.files)} key file(s) re-encrypted; "
               "back the key file up now, apart from the database")
