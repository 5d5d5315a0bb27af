"""How fast anyone may guess passwords and codes, counted in the governance database.

- Per account (the email as typed, lower-cased, whether or not it has an account, so the
  answer reveals nothing): 5 attempts in 15 minutes that did not end in a login, then the
  account is locked for the rest of the window, from every address. This stops guessing one
  person's password. The attempt is counted before the password is checked (check and
  count in one step, `Limit.take`), so guesses sent all at once, to every server worker,
  still get 5 tries: counting only after a failure let 20 simultaneous guesses all through.
  A login (or password change) that succeeds clears the count.
- Per client address: the first 20 failures in 15 minutes are free; after that every further
  attempt must wait 1, 2, 4 ... at most 60 seconds after the previous failure. An address
  is slowed, never locked, so people behind one shared address (a hospital's NAT) are not
  shut out by someone else's failures, while one address spraying many accounts gets at
  most one guess a minute.
Both answer 429 with Retry-After. The client address is the socket's peer unless the node
lists trusted proxies (setting `trusted_proxies`).
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request

from onconode.access.rate_limits import Backoff, Limit
from onconode.interfaces.http.session import node_of

ACCOUNT = Limit("login-account", attempts=5, window=dt.timedelta(minutes=15))
ADDRESS = Backoff("login-address", free=20, window=dt.timedelta(minutes=15), base=1.0, cap=60.0)


def wall_clock() -> dt.datetime:
    """Rates are counted in real time, not on the node's governance clock (which tests move by months)."""
    return dt.datetime.now(dt.timezone.utc)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check(request: Request, email: str) -> None:
    """Count this attempt on the account, or answer 429 with Retry-After when the account is
    locked or this address must wait (then nothing is counted)."""
    node = node_of(request)
    engine, now = node.gov.engine, wall_clock()
    wait = ADDRESS.retry_after(engine, client_address(request), now) or ACCOUNT.take(engine, email.strip().lower(), now).wait
    if wait:
        raise HTTPException(429, f"too many failed attempts; try again in {_human(wait)}", headers={"Retry-After": str(wait)})


def failed(request: Request, email: str) -> None:
    """The attempt `check` counted failed: slow its address down too."""
    ADDRESS.hit(node_of(request).gov.engine, client_address(request), wall_clock())


def succeeded(request: Request, email: str) -> None:
    ACCOUNT.reset(node_of(request).gov.engine, email.strip().lower())


def _human(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60 + 1} minutes"
