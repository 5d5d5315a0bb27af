"""Accounts: argon2 passwords, TOTP multi-factor authentication and recovery codes.

Login errors never say whether the email exists (no user enumeration): an unknown email
costs the same argon2 verification as a wrong password. A TOTP code is accepted once only
(the last used time step is stored), so a code seen over someone's shoulder cannot be
replayed. Recovery codes are random 50-bit strings shown once and stored as SHA-256
hashes; their entropy makes a slow hash unnecessary. TOTP secrets are stored sealed with
the node's at-rest key (`secretbox`), so a copy of the database cannot generate codes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import threading
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, InvalidHashError

from onconode.access import audit, sessions
from onconode.access.db import Governance, GovernanceError, secrets_of
from onconode.access.secretbox import SecretsError
from onconode.access.roles import GLOBAL_ROLES, MFA_REQUIRED, Role, parse_role
from onconode.access.schema import account as account_table
from onconode.access.schema import organisation as org_table
from onconode.access.schema import recovery_code as recovery_table
from onconode.access.schema import role_grant

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MIN_PASSWORD = 12
TOTP_STEP = 30
RECOVERY_CODES = 10


class AuthenticationError(GovernanceError):
    """Login or MFA failed; the message never reveals which part was wrong."""


class DuplicateEmail(GovernanceError):
    """An account for this email exists. Self-registration must not show this to the caller."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    surname: str
    organisation_id: str | None
    hospital_code: str | None
    position: str | None
    mfa_enabled: bool
    active: bool  # may act: not deactivated and, if self-registered, the email is confirmed
    roles: frozenset[Role]
    confirmed: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.surname}"

    def has(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str
    qr_png: bytes


def hasher(gov: Governance) -> PasswordHasher:
    """argon2id with the library's defaults unless the node configures other costs."""
    return PasswordHasher(**gov.options.get("argon2", {}))


def _account(conn: sa.Connection, row: sa.Row) -> Account:
    roles = conn.execute(sa.select(role_grant.c.role).where(role_grant.c.account_id == row.id)).fetchall()
    return Account(
        row.id, row.email, row.name, row.surname, row.organisation_id, row.hospital_code, row.position,
        bool(row.mfa_enabled), bool(row.active) and row.confirmed_at is not None, frozenset(Role(r[0]) for r in roles),
        row.confirmed_at is not None,
    )


def get_account(conn: sa.Connection, account_id: int) -> Account:
    rows = conn.execute(sa.select(account_table).where(account_table.c.id == account_id)).fetchall()
    if not rows:
        raise GovernanceError(f"no account with id {account_id}")
    return _account(conn, rows[0])


def find_account(conn: sa.Connection, email: str) -> Account | None:
    rows = conn.execute(sa.select(account_table).where(account_table.c.email == email.strip().lower())).fetchall()
    return _account(conn, rows[0]) if rows else None


def register(
    gov: Governance,
    email: str,
    name: str,
    surname: str,
    password: str,
    *,
    organisation_id: str | None = None,
    hospital_code: str | None = None,
    position: str | None = None,
    roles: tuple[Role | str, ...] = (),
    actor: int | None = None,
    at: dt.datetime | None = None,
    confirmed: bool = True,
) -> Account:
    """Create an account. Staff, board and download roles still need MFA before acting.

    Accounts made by the office, an admin or the demo are `confirmed`; a self-registered
    one is not (it cannot log in) until its owner opens the emailed link. The password is
    hashed before the email is looked up, and the organisation is checked before it, so a
    caller that hides `DuplicateEmail` answers a taken address in the same time and the
    same way as a new one.
    """
    email = email.strip().lower()
    problems = []
    if not EMAIL.match(email):
        problems.append(f"email {email!r} is not an email address")
    if not name.strip() or not surname.strip():
        problems.append("give both name and surname")
    if len(password) < MIN_PASSWORD:
        problems.append(f"the password must have at least {MIN_PASSWORD} characters")
    parsed = [parse_role(r) if isinstance(r, str) else r for r in roles]
    for r in parsed:
        if r not in GLOBAL_ROLES:
            problems.append(f"role {r.value} comes from being named on an application; it cannot be granted")
    if problems:
        raise GovernanceError("cannot register the account: " + "; ".join(problems))
    password_hash = hasher(gov).hash(password)
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        if organisation_id and not conn.execute(sa.select(org_table.c.id).where(org_table.c.id == organisation_id)).fetchall():
            raise GovernanceError(f"no organisation {organisation_id!r}; add it first")
        if conn.execute(sa.select(account_table.c.id).where(account_table.c.email == email)).fetchall():
            raise DuplicateEmail(f"an account for {email} already exists; nothing was changed")
        new_id = conn.execute(
            account_table.insert().values(
                email=email, name=name.strip(), surname=surname.strip(), organisation_id=organisation_id,
                hospital_code=hospital_code, position=position, password_hash=password_hash, mfa_enabled=False,
                active=True, created_at=at.replace(tzinfo=None), confirmed_at=at.replace(tzinfo=None) if confirmed else None,
            )
        ).inserted_primary_key[0]
        for r in parsed:
            conn.execute(role_grant.insert().values(account_id=new_id, role=r.value))
        audit.record(conn, f"account:{new_id}", actor, at, "account_registered", {
            "email": email, "organisation": organisation_id, "hospital_code": hospital_code, "roles": sorted(r.value for r in parsed),
            **({} if confirmed else {"awaiting_email_confirmation": True})})
        return get_account(conn, new_id)

    return audit.run_with_retry(gov.engine, work)


def grant_role(gov: Governance, account_id: int, role: Role | str, actor: int | None = None, at: dt.datetime | None = None) -> Account:
    role = parse_role(role) if isinstance(role, str) else role
    if role not in GLOBAL_ROLES:
        raise GovernanceError(f"role {role.value} comes from being named on an application; it cannot be granted")
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        acc = get_account(conn, account_id)
        if role not in acc.roles:
            conn.execute(role_grant.insert().values(account_id=account_id, role=role.value))
            audit.record(conn, f"account:{account_id}", actor, at, "role_granted", {"role": role.value})
        return get_account(conn, account_id)

    return audit.run_with_retry(gov.engine, work)


_DUMMY: dict[tuple, str] = {}
_DUMMY_LOCK = threading.Lock()


def _dummy_hash(ph: PasswordHasher) -> str:
    """A hash of a random password with `ph`'s parameters, made once per parameter set, so an
    unknown email costs one verification with the same parameters as a known one, never a
    hash plus a verification (which took twice as long and told which emails exist)."""
    key = (ph.time_cost, ph.memory_cost, ph.parallelism, ph.hash_len, ph.salt_len, ph.type)
    with _DUMMY_LOCK:
        if key not in _DUMMY:
            _DUMMY[key] = ph.hash(secrets.token_hex(16))
        return _DUMMY[key]


def authenticate(gov: Governance, email: str, password: str, at: dt.datetime | None = None) -> Account:
    """Check email and password; one generic error for every kind of failure, in the same time."""
    ph = hasher(gov)
    dummy = _dummy_hash(ph)
    with gov.engine.connect() as conn:
        rows = conn.execute(sa.select(account_table).where(account_table.c.email == email.strip().lower())).fetchall()
        stored = rows[0].password_hash if rows else dummy
        try:
            ph.verify(stored, password)
            ok = bool(rows) and bool(rows[0].active) and rows[0].confirmed_at is not None
        except (VerificationError, InvalidHashError):
            ok = False
        account = _account(conn, rows[0]) if ok else None
    if account is None:
        raise AuthenticationError("email or password is wrong")
    return account


def change_password(gov: Governance, account_id: int, current: str, new: str, at: dt.datetime | None = None) -> Account:
    """Set a new password after checking the current one; ends every session of the account
    (a stolen session must not outlive the password it was opened with)."""
    if len(new) < MIN_PASSWORD:
        raise GovernanceError(f"the new password must have at least {MIN_PASSWORD} characters")
    ph = hasher(gov)
    new_hash = ph.hash(new)
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        row = conn.execute(sa.select(account_table.c.password_hash).where(account_table.c.id == account_id)).first()
        try:
            ph.verify(row.password_hash if row else _dummy_hash(ph), current)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("the current password is wrong; nothing was changed") from None
        conn.execute(account_table.update().where(account_table.c.id == account_id).values(password_hash=new_hash))
        ended = sessions.end_all(conn, account_id)
        audit.record(conn, f"account:{account_id}", account_id, at, "password_changed", {"sessions_ended": ended})
        return get_account(conn, account_id)

    return audit.run_with_retry(gov.engine, work)


def set_active(gov: Governance, account_id: int, active: bool, actor: int | None = None, at: dt.datetime | None = None) -> Account:
    """Disable (or re-enable) an account; disabling ends all its sessions at once."""
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        get_account(conn, account_id)
        conn.execute(account_table.update().where(account_table.c.id == account_id).values(active=active))
        ended = sessions.end_all(conn, account_id) if not active else 0
        audit.record(conn, f"account:{account_id}", actor, at, "account_enabled" if active else "account_disabled",
                     {"sessions_ended": ended})
        return get_account(conn, account_id)

    return audit.run_with_retry(gov.engine, work)


def reset_mfa(gov: Governance, account_id: int, actor: int | None = None, at: dt.datetime | None = None) -> Account:
    """Remove an account's second factor (lost device): TOTP secret and recovery codes go, every
    session ends, and the owner enrols again at the next login."""
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        get_account(conn, account_id)
        conn.execute(account_table.update().where(account_table.c.id == account_id)
                     .values(totp_secret=None, mfa_enabled=False, totp_last_step=None))
        conn.execute(recovery_table.delete().where(recovery_table.c.account_id == account_id))
        ended = sessions.end_all(conn, account_id)
        audit.record(conn, f"account:{account_id}", actor, at, "mfa_reset", {"sessions_ended": ended})
        return get_account(conn, account_id)

    return audit.run_with_retry(gov.engine, work)


def begin_mfa_enrolment(gov: Governance, account_id: int, at: dt.datetime | None = None) -> Enrolment:
    """A new TOTP secret with its otpauth:// URI and QR code; active after `confirm_mfa`."""
    secret = pyotp.random_base32()
    sealed = secrets_of(gov.engine, create=True).seal(secret)
    at = audit.utc(at)

    def work(conn: sa.Connection) -> Account:
        acc = get_account(conn, account_id)
        conn.execute(account_table.update().where(account_table.c.id == account_id).values(totp_secret=sealed, mfa_enabled=False, totp_last_step=None))
        audit.record(conn, f"account:{account_id}", account_id, at, "mfa_enrolment_started", {})
        return acc

    acc = audit.run_with_retry(gov.engine, work)
    uri = pyotp.TOTP(secret).provisioning_uri(name=acc.email, issuer_name="onconode")
    qr = segno.make(uri, error="m")
    svg, png = io.BytesIO(), io.BytesIO()
    qr.save(svg, kind="svg", scale=4)
    qr.save(png, kind="png", scale=4)
    return Enrolment(secret, uri, svg.getvalue().decode(), png.getvalue())


def totp_secret(conn: sa.Connection, account_id: int, sealed: str) -> str:
    """The plaintext TOTP secret of an account, opened with the node's at-rest key."""
    try:
        return secrets_of(conn).open_text(sealed, f"the TOTP secret of account {account_id}")
    except SecretsError as exc:
        raise GovernanceError(str(exc)) from None


def _totp_step(secret: str, code: str, at: dt.datetime, last_step: int | None) -> int | None:
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    now = int(at.timestamp()) // TOTP_STEP
    for step in (now, now - 1, now + 1):
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def confirm_mfa(gov: Governance, account_id: int, code: str, at: dt.datetime | None = None) -> list[str]:
    """Turn MFA on with a first valid code; returns the recovery codes (shown only once)."""
    at = audit.utc(at)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}"[:13] for _ in range(RECOVERY_CODES)]

    def work(conn: sa.Connection) -> list[str]:
        row = conn.execute(sa.select(account_table).where(account_table.c.id == account_id)).fetchall()[0]
        if not row.totp_secret:
            raise GovernanceError("start MFA enrolment first (scan the QR code), then confirm with a code")
        step = _totp_step(totp_secret(conn, account_id, row.totp_secret), code, at, row.totp_last_step)
        if step is None:
            raise AuthenticationError("the code is not valid; check the clock of your device and try the current code")
        conn.execute(account_table.update().where(account_table.c.id == account_id).values(mfa_enabled=True, totp_last_step=step))
        conn.execute(recovery_table.delete().where(recovery_table.c.account_id == account_id))
        for c in codes:
            conn.execute(recovery_table.insert().values(account_id=account_id, code_hash=_recovery_hash(c)))
        audit.record(conn, f"account:{account_id}", account_id, at, "mfa_enabled", {"recovery_codes": len(codes)})
        return codes

    return audit.run_with_retry(gov.engine, work)


def verify_mfa(conn: sa.Connection, account_id: int, code: str, at: dt.datetime) -> str:
    """Check a TOTP or recovery code inside the caller's transaction.

    Returns the method used ("totp" or "recovery-code"); raises AuthenticationError.
    """
    row = conn.execute(sa.select(account_table).where(account_table.c.id == account_id)).fetchall()
    if not row or not row[0].mfa_enabled or not row[0].totp_secret:
        raise AuthenticationError("this account has no multi-factor authentication; enrol first")
    r = row[0]
    step = _totp_step(totp_secret(conn, account_id, r.totp_secret), code, audit.utc(at), r.totp_last_step)
    # Each code is consumed by a conditional update: of several workers checking the same code
    # at once, only the one whose update still finds it unused logs in (PostgreSQL re-checks
    # the condition after the first commits; SQLite's IMMEDIATE transactions run one at a time).
    if step is not None and conn.execute(account_table.update().where(
            account_table.c.id == account_id,
            sa.or_(account_table.c.totp_last_step.is_(None), account_table.c.totp_last_step < step)).values(totp_last_step=step)).rowcount:
        return "totp"
    unused = conn.execute(
        sa.select(recovery_table.c.id).where(
            recovery_table.c.account_id == account_id,
            recovery_table.c.code_hash == _recovery_hash(code),
            recovery_table.c.used_at.is_(None),
        )
    ).fetchall()
    if unused and conn.execute(recovery_table.update().where(recovery_table.c.id == unused[0][0], recovery_table.c.used_at.is_(None))
                               .values(used_at=audit.utc(at).replace(tzinfo=None))).rowcount:
        return "recovery-code"
    raise AuthenticationError("the authentication code is not valid (or was already used)")


def needs_mfa(account: Account) -> bool:
    return bool(account.roles & MFA_REQUIRED)


def accounts_with_role(gov: Governance, role: Role) -> list[Account]:
    """Active accounts holding a global role (e.g. the Scientific Board members to assign)."""
    with gov.engine.connect() as conn:
        q = (sa.select(account_table).join(role_grant, role_grant.c.account_id == account_table.c.id)
             .where(role_grant.c.role == role.value, account_table.c.active.is_(True)).order_by(account_table.c.surname))
        return [_account(conn, r) for r in conn.execute(q).fetchall()]
