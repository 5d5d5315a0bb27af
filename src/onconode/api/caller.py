"""Who an analysis is computed for, as the disclosure gate sees it.

The gate's differencing guard remembers, per user, the cohorts they already received
figures about. A logged-in caller is their account's email (the history follows them
across sessions and devices); an anonymous caller gets a random id kept in their signed
session cookie, so differencing still applies within that session. The REST API, the
catalogue and the portal pages all ask here, so one browser is one user everywhere.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from onconode.web.session import current_account

ANONYMOUS_PREFIX = "anonymous:"


def analysis_user(request: Request) -> str:
    account = current_account(request)
    if account is not None:
        return account.email
    anon = request.session.get("anon_id")
    if not anon:
        anon = request.session["anon_id"] = secrets.token_hex(12)
    return ANONYMOUS_PREFIX + anon
