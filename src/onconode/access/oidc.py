"""Login through the institution's identity provider (OpenID Connect): the node's settings
for it, and the rule that turns a verified ID token into one of the node's accounts.

The identity provider (IdP) proves who the person is; the node still decides what they may
do. An ID token is matched to an account only by an email the IdP says it verified, because
anyone can put any address in an unverified profile. There is no automatic registration:
accounts carry roles, an organisation and (for many roles) MFA, which the registration form
and the data access office set up, so an unknown email is told to register first.

The node's own TOTP step still follows for accounts with MFA. An IdP's claim that it did
multi-factor authentication (`amr` containing "mfa" or "otp") replaces that step only when
the node operator sets `trust_idp_mfa`, because the node cannot check how the IdP did it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa

from onconode.access import audit
from onconode.access.identity import Account, AuthenticationError, find_account

TRUSTED_AMR = frozenset({"mfa", "otp"})
CONFIGURE_HINT = ("set ONCONODE_OIDC_ISSUER, ONCONODE_OIDC_CLIENT_ID and ONCONODE_OIDC_CLIENT_SECRET "
                  "(or the [oidc] section of onconode.toml); see docs/oidc-login.md")


class UnverifiedEmail(AuthenticationError):
    """The IdP did not vouch for the email address in the ID token."""


class UnknownEmail(AuthenticationError):
    """The IdP authenticated someone whose email has no account on this node."""

    def __init__(self, email: str) -> None:
        super().__init__(f"no account on this node uses {email}")
        self.email = email


class InactiveAccount(AuthenticationError):
    """The account exists but may not log in: its email is unconfirmed, or it was deactivated.

    A login at the IdP does not confirm a self-registered account: whoever registered it
    chose its password, so only the emailed link (or the office) may confirm it."""

    def __init__(self, account: Account) -> None:
        super().__init__(f"the account for {account.email} has not been confirmed yet: open the link in the email "
                         "this node sent when you registered" if not account.confirmed else
                         f"the account for {account.email} is deactivated; ask the data access office")


@dataclass(frozen=True)
class OidcIdentity:
    """The outcome of a verified ID token: whose account, and whether MFA is already done."""

    account: Account
    issuer: str
    subject: str
    mfa_by_idp: bool

    @property
    def needs_node_code(self) -> bool:
        """The node's own TOTP step is still owed (the account has MFA, the IdP's is not trusted)."""
        return self.account.mfa_enabled and not self.mfa_by_idp


def identify(engine: sa.Engine, claims: Mapping[str, Any], *, trust_idp_mfa: bool, at: dt.datetime) -> OidcIdentity:
    """Match the claims of an ID token whose signature, issuer, audience and nonce were
    already verified to an active account, and record the outcome in the audit trail.

    Raises UnverifiedEmail when `email_verified` is not true, UnknownEmail when no account
    has the email, InactiveAccount when it is unconfirmed or deactivated; all are audited
    (and committed) as refused logins.
    """
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    email = str(claims.get("email") or "").strip()
    with engine.begin() as conn:
        if not email or claims.get("email_verified") is not True:
            refusal: AuthenticationError = UnverifiedEmail(
                f"{issuer} did not confirm that {email or 'the account'} has a verified email address; "
                "verify it with your institution's account service, or log in with your password")
        else:
            account = find_account(conn, email)
            if account is not None and account.active:
                return _accepted(conn, account, claims, trust_idp_mfa, at)
            refusal = UnknownEmail(email) if account is None else InactiveAccount(account)
        audit.record(conn, "oidc", None, at, "login_refused",
                     {"issuer": issuer, "sub": subject, "email": email, "reason": type(refusal).__name__})
    raise refusal


def _accepted(conn: sa.Connection, account: Account, claims: Mapping[str, Any], trust_idp_mfa: bool, at: dt.datetime) -> OidcIdentity:
    amr = claims.get("amr") or []
    mfa_by_idp = trust_idp_mfa and isinstance(amr, list) and bool(TRUSTED_AMR & set(map(str, amr)))
    who = OidcIdentity(account, str(claims.get("iss", "")), str(claims.get("sub", "")), mfa_by_idp)
    audit.record(conn, f"account:{account.id}", account.id, at, "login_idp_verified" if who.needs_node_code else "login",
                 {"via": "oidc", "issuer": who.issuer, "sub": who.subject, "mfa": "idp" if mfa_by_idp else None})
    return who
