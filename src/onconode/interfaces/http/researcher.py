"""Who a web request is, as far as the analyses are concerned.

The disclosure gate needs the user only for the licensed scope (which patients their
approved data access covers) and the portal for "your saved cohorts": the account's email
when logged in, else an anonymous id kept in the session. Disclosure control keeps no
history per user: consistent perturbation (the cell-key method) gives every visitor the
same answer for the same patients, so visitors behind one shared address no longer share,
and trip over, one another's query history. Shared by the portal pages and the API, so
"which gate user is this" has one answer.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from onconode.interfaces.http.session import current_account


def gate_user(request: Request) -> str:
    """The id the disclosure gate and the saved cohorts know this requester by."""
    account = current_account(request)
    if account is not None:
        return account.email
    anonymous = request.session.get("anonymous")
    if not anonymous:
        anonymous = request.session["anonymous"] = secrets.token_urlsafe(12)
    return f"anonymous:{anonymous}"
