"""Demo accounts: one per role, with a known password and MFA where the role needs it,
so a new user can try every part of the procedure on `onconode demo`.

The TOTP secrets are printed (as a phone app would scan them), and on a demo node only
`onconode access user totp EMAIL` prints a demo account's current code. A real node
refuses: its store is not marked as a demo, and its accounts are not in this list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyotp
import sqlalchemy as sa

from onconode.access import audit
from onconode.access.db import Governance, GovernanceError
from onconode.access.identity import begin_mfa_enrolment, confirm_mfa, find_account, register, totp_secret
from onconode.access.organisations import add_organisation, get_organisation
from onconode.access.roles import Role
from onconode.access.schema import account as account_table

DEMO_PASSWORD = "onconode-demo-password"
DEMO_ORG = ("demo-university", "Demo University Medical Center", "NL", "non-profit")
DEMO_HOSPITAL = "HOSP01"  # a hospital of the synthetic cohort


@dataclass(frozen=True)
class DemoRole:
    label: str
    email: str
    roles: tuple[Role, ...]
    mfa: bool
    hospital: str | None = None


R = Role
ROLES: tuple[DemoRole, ...] = (
    DemoRole("applicant (researcher)", "applicant@demo.onconode.org", (), True),  # signs the licence
    DemoRole("licensee signatory", "signatory@demo.onconode.org", (), True),
    DemoRole("download contact", "contact@demo.onconode.org", (), True),
    DemoRole("treating physician", "physician@demo.onconode.org", (R.TREATING_PHYSICIAN,), True, DEMO_HOSPITAL),
    DemoRole("central PI", "central-pi@demo.onconode.org", (R.CENTRAL_PI,), True),
    DemoRole("local PI", "local-pi@demo.onconode.org", (R.LOCAL_PI,), True, DEMO_HOSPITAL),
    DemoRole("Scientific Board member", "scientific-board@demo.onconode.org", (R.SCIENTIFIC_BOARD,), True),
    DemoRole("Data Access Board member", "access-board@demo.onconode.org", (R.ACCESS_BOARD,), True),
    DemoRole("data access office", "office@demo.onconode.org", (R.ACCESS_OFFICE,), True),
    DemoRole("data manager", "data-manager@demo.onconode.org", (R.DATA_MANAGER,), True),
    DemoRole("admin", "admin@demo.onconode.org", (R.ADMIN,), True),
    DemoRole("auditor", "auditor@demo.onconode.org", (R.AUDITOR,), True),
)
DEMO_EMAILS = frozenset(r.email for r in ROLES)


@dataclass(frozen=True)
class DemoAccount:
    role: DemoRole
    account_id: int
    totp_secret: str | None


def _secret(gov: Governance, account_id: int) -> str | None:
    with gov.engine.connect() as conn:
        row = conn.execute(sa.select(account_table.c.totp_secret, account_table.c.mfa_enabled).where(account_table.c.id == account_id)).fetchall()[0]
        return totp_secret(conn, account_id, row.totp_secret) if row.mfa_enabled else None


def create_demo_accounts(gov: Governance, at: dt.datetime | None = None, only: frozenset[str] | None = None) -> list[DemoAccount]:
    """Create the demo organisation and accounts (again on a rebuilt demo: kept as they are);
    `only` (emails) limits them, e.g. to the researcher on a federation demo node."""
    at = audit.utc(at)
    with gov.engine.connect() as conn:
        try:
            get_organisation(conn, DEMO_ORG[0])
            have_org = True
        except GovernanceError:
            have_org = False
    if not have_org:
        add_organisation(gov, *DEMO_ORG, at=at)
    out = []
    for role in (r for r in ROLES if only is None or r.email in only):
        with gov.engine.connect() as conn:
            existing = find_account(conn, role.email)
        if existing is None:
            name, surname = role.label.split(" ")[0].title(), "Demo"
            existing = register(gov, role.email, name, surname, DEMO_PASSWORD, organisation_id=DEMO_ORG[0],
                                hospital_code=role.hospital, roles=role.roles, at=at)
            if role.mfa:
                # Enrolled a minute "ago", so the current code is still unused for the first login.
                earlier = at - dt.timedelta(seconds=60)
                enrol = begin_mfa_enrolment(gov, existing.id, at=earlier)
                confirm_mfa(gov, existing.id, pyotp.TOTP(enrol.secret).at(earlier), at=earlier)
        out.append(DemoAccount(role, existing.id, _secret(gov, existing.id)))
    return out


def render_accounts(accounts: list[DemoAccount], home: Path) -> str:
    """How to log in as each demo account (printed by `onconode demo`)."""
    lines = ["", f"Demo accounts (password for all: {DEMO_PASSWORD}); log in at /login:"]
    for a in accounts:
        mfa = f"TOTP secret {a.totp_secret}" if a.totp_secret else "no MFA"
        lines.append(f"  {a.role.label:<26}{a.role.email:<40}{mfa}")
    lines += [
        "  Add a TOTP secret to an authenticator app, or print the current code with:",
        f"    onconode --home {home} access user totp EMAIL",
        "  The signatory and download contact act once a DAR names them (signatory_email, contacts).",
    ]
    return "\n".join(lines)


def demo_totp_code(gov: Governance, email: str, *, demo_node: bool, at: dt.datetime | None = None) -> str:
    """The current TOTP code of a demo account; refused on a real node or a real account.

    Whether the node is a demo is read from its store by the caller
    (`onconode.store.purpose.is_demo_node`): governance does not open the store itself."""
    email = email.strip().lower()
    if not demo_node:
        raise GovernanceError(f"{gov.home} is not a demo node: codes are printed for demo accounts only "
                              "(a real user reads the code from their authenticator app)")
    if email not in DEMO_EMAILS:
        raise GovernanceError(f"{email} is not a demo account; demo accounts are: {', '.join(sorted(DEMO_EMAILS))}")
    with gov.engine.connect() as conn:
        acc = find_account(conn, email)
    secret = _secret(gov, acc.id) if acc else None
    if secret is None:
        raise GovernanceError(f"{email} has no MFA enrolled: it logs in with the password only")
    return pyotp.TOTP(secret).at(audit.utc(at))
