"""Who a web request is, as far as disclosure control is concerned.

The gate keeps a query history per user for its differencing guard, so every request of
one person must reach it under one stable id: the account's email when logged in, else an
anonymous id kept in the (signed) session cookie. Shared by the portal pages; an API
router may import it too, so "which gate user is this" has one answer.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from onconode.web.session import current_account

ANON_KEY = "anon_id"


def gate_user(request: Request) -> str:
    """The id the disclosure gate knows this requester by."""
    account = current_account(request)
    if account is not None:
        return account.email
    anon = request.session.get(ANON_KEY)
    if not anon:
        anon = request.session[ANON_KEY] = "anonymous:" + secrets.token_hex(12)
    return anon
