"""Who a web request is, as far as disclosure control is concerned.

The gate keeps a query history per user for its differencing guard, so every request of
one person must reach it under one stable id: the account's email when logged in, else
the client's network address. An id kept in the session cookie would not do: dropping the
cookie would start a fresh history and defeat the guard. Behind a proxy every anonymous
visitor shares one history, which errs on the strict side; logging in gives a researcher
a history of their own. Shared by the portal pages and the API, so "which gate user is
this" has one answer.
"""

from __future__ import annotations

from fastapi import Request

from onconode.web.session import current_account


def gate_user(request: Request) -> str:
    """The id the disclosure gate knows this requester by."""
    account = current_account(request)
    if account is not None:
        return account.email
    return "anonymous:" + (request.client.host if request.client else "unknown")
