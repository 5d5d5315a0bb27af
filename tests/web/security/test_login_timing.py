"""Login costs the same whether or not the email has an account (issue 15 item 13).

A statistical comparison, not one timed call: 40 logins with unknown emails and 40 with
known emails and a wrong password, interleaved so that load on the machine hits both
alike; the medians must agree within 25 %. Before the fix an unknown email paid for
hashing a fresh dummy password on every call and then verifying it (about twice the cost).
"""

from __future__ import annotations

import statistics
import time

import pytest

from onconode.access import identity
from onconode.access.identity import AuthenticationError
from onconode.interfaces.http.node import Node

SAMPLES = 40
# Heavy enough that argon2, not the database, dominates each call
ARGON2 = {"argon2": {"time_cost": 1, "memory_cost": 16384, "parallelism": 1}}


def _seconds(gov, email: str) -> float:
    start = time.perf_counter()
    with pytest.raises(AuthenticationError):
        identity.authenticate(gov, email, "not the password")
    return time.perf_counter() - start


def test_unknown_and_known_emails_take_the_same_time_to_refuse(tmp_path):
    node = Node(tmp_path / "node", governance_options=ARGON2)
    try:
        identity.register(node.gov, "known@umcu.nl", "Known", "Person", "correct horse battery staple")
        _seconds(node.gov, "warm-up@umcu.nl"), _seconds(node.gov, "known@umcu.nl")
        known, unknown = [], []
        for i in range(SAMPLES):
            first, second = ("known@umcu.nl", f"nobody{i}@umcu.nl") if i % 2 else (f"nobody{i}@umcu.nl", "known@umcu.nl")
            a, b = _seconds(node.gov, first), _seconds(node.gov, second)
            (known if first == "known@umcu.nl" else unknown).append(a)
            (unknown if first == "known@umcu.nl" else known).append(b)
        ratio = statistics.median(unknown) / statistics.median(known)
        assert 0.8 < ratio < 1.25, (f"an unknown email costs {ratio:.2f}x a known one (medians {statistics.median(unknown) * 1e3:.1f} ms "
                                    f"vs {statistics.median(known) * 1e3:.1f} ms): the timing tells which emails have accounts")
    finally:
        node.close()
