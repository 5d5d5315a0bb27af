"""An authentication code is good for one login, even when two server workers receive it
at the same moment (a code phished and replayed at once, or a double submit): on SQLite
and on PostgreSQL, whose READ COMMITTED lets two transactions both read "unused"."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from onconode.access import identity
from onconode.access.identity import AuthenticationError
from tests.access.conftest import T0, make_person


def _race(gov, account_id: int, code: str, at: dt.datetime, threads: int = 6) -> int:
    """How many of `threads` simultaneous logins with the same code succeed."""
    start = threading.Barrier(threads)

    def login(_: int) -> bool:
        start.wait()
        try:
            with gov.engine.begin() as conn:
                identity.verify_mfa(conn, account_id, code, at)
            return True
        except AuthenticationError:
            return False

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(login, range(threads)))


@pytest.mark.parametrize("round", range(3))
def test_a_totp_code_sent_to_several_workers_at_once_logs_in_once(gov, round):
    person = make_person(gov, f"tom.totp{round}@example.org")
    at = T0 + dt.timedelta(minutes=5)
    assert _race(gov, person.id, person.code(at), at) == 1


def test_a_recovery_code_sent_to_several_workers_at_once_logs_in_once(gov):
    acc = identity.register(gov, "rita.recovery@example.org", "Rita", "Tester", "correct horse battery staple", at=T0)
    enrol = identity.begin_mfa_enrolment(gov, acc.id, at=T0)
    import pyotp

    codes = identity.confirm_mfa(gov, acc.id, pyotp.TOTP(enrol.secret).at(T0), at=T0)
    assert _race(gov, acc.id, codes[0], T0 + dt.timedelta(minutes=5)) == 1
