"""How many applications one account may open: 10 an hour, counted in the governance
database (so every server worker counts the same). Without it a script opened 600 draft
applications in 10 seconds, each an event stream the office's views fold on every visit.
Over the limit the answer is 429 with Retry-After; a real applicant never meets it.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request

from onconode.access.identity import Account
from onconode.access.rate_limits import Limit
from onconode.interfaces.http.login_limits import wall_clock
from onconode.interfaces.http.session import node_of

NEW_APPLICATION = Limit("new-application", attempts=10, window=dt.timedelta(hours=1))


def count_new_application(request: Request, account: Account) -> None:
    """Count one new application of `account`, or refuse it with 429 when over the limit."""
    node = node_of(request)
    now = wall_clock()
    wait = NEW_APPLICATION.take(node.gov.engine, str(account.id), now).wait  # check and count in one step for all workers
    if wait:
        raise HTTPException(429, f"you opened {NEW_APPLICATION.attempts} applications in the last hour; "
                                 f"open the next in {wait // 60 + 1} minutes, or continue one of your drafts (GET /api/applications)",
                            headers={"Retry-After": str(wait)})
