"""Limits counted in the governance database hold when several server workers count at
once: `Limit.take` checks and counts in one step, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from onconode.access.rate_limits import Limit, Taken

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def test_simultaneous_takers_get_exactly_the_limit_between_them(gov):
    limit, threads = Limit("test", attempts=2, window=dt.timedelta(minutes=1)), 6
    start = threading.Barrier(threads)

    def take(key: str) -> bool:
        start.wait()  # all at the same moment, as requests arriving on several workers
        return limit.take(gov.engine, key, T0).wait == 0

    with ThreadPoolExecutor(threads) as pool:
        answered = [sum(pool.map(take, [f"key-{round}"] * threads)) for round in range(15)]
    assert answered == [2] * 15


def test_a_refused_take_is_not_counted_and_says_how_long_to_wait(gov):
    limit = Limit("test", attempts=2, window=dt.timedelta(seconds=10))
    assert [limit.take(gov.engine, "k", T0) for _ in range(2)] == [Taken(0, 1), Taken(0, 0)]
    assert limit.take(gov.engine, "k", T0 + dt.timedelta(seconds=4)) == Taken(6, 0)
    assert limit.take(gov.engine, "k", T0 + dt.timedelta(seconds=10.5)) == Taken(0, 1)  # the first two left the window
