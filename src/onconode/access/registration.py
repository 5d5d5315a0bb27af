"""Applicant self-registration: name, surname and an institutional email.

Download contacts and applicants are identified by their institution's email, so
addresses of public webmail providers are refused: they say nothing about who the person
works for. Self-registered accounts get no global role; the office grants roles.

No user enumeration: registering answers the same whether or not the address already
has an account, in the same time (the password is hashed on both paths). What differs
is the mail only the address's owner reads: a new address gets a confirmation link (the
account cannot log in until it is opened), a taken one is told that someone tried to
register with it, and nothing about that account changes (if it is still unconfirmed, the
mail carries a fresh link, which needs the password chosen the first time).
"""

from __future__ import annotations

import datetime as dt

from onconode.access import notify
from onconode.access.confirmation import issue_token, valid_for
from onconode.access.db import Governance, GovernanceError
from onconode.access.identity import Account, DuplicateEmail, find_account, register

ANSWER = ("Check your institutional email: we sent a message to the address you gave. "
          "If it is a new account, open the link in it to confirm your address, then log in.")

WEBMAIL = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "aol.com", "icloud.com", "me.com", "mail.com", "gmx.com", "gmx.net", "gmx.de", "web.de", "proton.me",
    "protonmail.com", "yandex.com", "yandex.ru", "qq.com", "163.com", "zoho.com",
})


def institutional_email_problem(email: str) -> str | None:
    domain = email.strip().lower().rpartition("@")[2]
    if domain in WEBMAIL:
        return f"{domain} is a public webmail provider: register with the email address of your institution"
    return None


def register_applicant(gov: Governance, email: str, name: str, surname: str, password: str, *,
                       confirm_url: str, organisation_id: str | None = None, position: str | None = None,
                       at: dt.datetime | None = None) -> str:
    """Register an applicant's own account (unconfirmed, no roles) and mail its owner.

    `confirm_url` is the page that confirms (e.g. https://node/account/confirm); the token
    is appended as `?token=`. Returns the answer to show, the same for every address.
    Invalid input (webmail, short password, unknown organisation) raises GovernanceError
    before any address is looked up.
    """
    problem = institutional_email_problem(email)
    if problem:
        raise GovernanceError(f"cannot register the account: {problem}")
    try:
        account = register(gov, email, name, surname, password, organisation_id=organisation_id, position=position,
                           at=at, confirmed=False)
    except DuplicateEmail:
        with gov.engine.connect() as conn:
            existing = find_account(conn, email)
        if existing is not None and not existing.confirmed:
            _send_link(gov, existing, confirm_url, at, "You registered before but have not confirmed yet. ")
            return ANSWER
        notify.send(gov, [email.strip().lower()], "Someone tried to register with your email address",
                    "Someone (perhaps you) tried to register a new onconode account with this email address, "
                    "which already has an account. Nothing was changed.\n\n"
                    "If it was you: log in with your existing account; if you forgot your password, contact "
                    "the data access office.\n\nIf it was not you, you can ignore this message.")
        return ANSWER
    _send_link(gov, account, confirm_url, at, "")
    return ANSWER


def _send_link(gov: Governance, account: Account, confirm_url: str, at: dt.datetime | None, preface: str) -> None:
    """Mail a fresh link (earlier ones stop working). It still needs the password chosen at
    the first registration, so registering again cannot take over a pending account."""
    token = issue_token(gov, account.id, at=at)
    hours = int(valid_for(gov).total_seconds() // 3600)
    notify.send(gov, [account.email], "Confirm your email address",
                f"Dear {account.full_name},\n\n{preface}To confirm your onconode account, open this link within "
                f"{hours} hours and enter the password you chose when you first registered:\n\n"
                f"{confirm_url}?token={token}\n\n"
                "The link works once. Until it is confirmed the account cannot log in. If you did not "
                "register, ignore this message and the account stays unusable.")
