"""Applicant self-registration: name, surname and an institutional email.

Download contacts and applicants are identified by their institution's email, so
addresses of public webmail providers are refused: they say nothing about who the person
works for. Self-registered accounts get no global role; the office grants roles.
"""

from __future__ import annotations

import datetime as dt

from onconode.access.db import Governance, GovernanceError
from onconode.access.identity import Account, register

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
                       organisation_id: str | None = None, position: str | None = None,
                       at: dt.datetime | None = None) -> Account:
    """Create an applicant's own account (no roles; MFA can be enrolled after login)."""
    problem = institutional_email_problem(email)
    if problem:
        raise GovernanceError(f"cannot register the account: {problem}")
    return register(gov, email, name, surname, password, organisation_id=organisation_id, position=position, at=at)
