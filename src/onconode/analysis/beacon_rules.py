"""Disclosure rules for the GA4GH Beacon: how much of an answer each requester may see.

DESIGN.md "Disclosure control", Beacon line: PUBLIC answers are boolean only; REGISTERED
users get counts with a floor and rounding; CONTROLLED users see records, but only of the
datasets a verified ControlledAccessGrants visa names; every requester has a query budget.
They live here, next to the other disclosure rules, so the Beacon cannot bypass them: the
count floor is the node's `min_cell` (a count of 1..4 is the same small cell an analysis
hides), and stricter node settings make the Beacon stricter too.

Why each rule (reference/beacon.md §1.9 and the Beacon attack literature):
- a boolean is the least a membership-inference attack can use, and the budget caps how
  many booleans one requester can collect in a window;
- a rounded-up count with a floor keeps "exactly one carrier" from being visible; blurring
  happens per dataset *before* summing, so sums of blurred counts stay blurred;
- records (who carries what) need a data access committee's grant for that dataset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

from onconode.analysis.disclosure import DisclosureRefused, DisclosureSettings

Granularity = Literal["boolean", "count", "record"]
Level = Literal["PUBLIC", "REGISTERED", "CONTROLLED"]
ORDER: dict[str, int] = {"boolean": 0, "count": 1, "record": 2}
ROUND_TO = 10


class BudgetExceeded(DisclosureRefused):
    """A requester asked more questions in the window than the node allows; `retry_after`:
    seconds until the next query is allowed (the HTTP answer's Retry-After)."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True)
class Requester:
    """Who is asking: `key` identifies them for the budget (account email, visa subject or
    client address); `datasets` are the datasets their verified visas grant."""
    key: str
    level: Level
    datasets: frozenset[str] = frozenset()


def allowed_granularity(requester: Requester, dataset_id: str) -> Granularity:
    """The most a requester may see of one dataset."""
    if dataset_id in requester.datasets:
        return "record"
    if requester.level in ("REGISTERED", "CONTROLLED"):
        return "count"
    return "boolean"


def granted(requested: Granularity, requester: Requester, dataset_id: str) -> Granularity:
    """min(requested, allowed): a Beacon may answer with less than asked, never more."""
    allowed = allowed_granularity(requester, dataset_id)
    return requested if ORDER[requested] <= ORDER[allowed] else allowed


@dataclass(frozen=True)
class BlurredCount:
    """A count as shown: `value`, and how it was adjusted (Beacon `countPrecision`)."""
    value: int
    precision: Literal["exact", "imprecise", "rounded"]
    adjusted_to: int | None = None


def blur(n: int, settings: DisclosureSettings, exact: bool) -> BlurredCount:
    """A count of one dataset for someone without a grant: 0 stays 0 (the boolean shows
    it anyway), 1..min_cell-1 becomes min_cell, anything else is rounded up to ten."""
    if exact or n == 0:
        return BlurredCount(n, "exact")
    if n < settings.min_cell:
        return BlurredCount(settings.min_cell, "imprecise", settings.min_cell)
    return BlurredCount(int(math.ceil(n / ROUND_TO) * ROUND_TO), "rounded", ROUND_TO)


Take = Callable[[str], tuple[int, int]]
"""Count one query of a requester key if the window has room: (0, queries left), else
(seconds to wait, 0) without counting it. The node passes one backed by the governance
database, so every server worker draws on the same budget (analysis/ cannot import access/)."""


@dataclass(frozen=True)
class QueryBudget:
    """At most `limit` Beacon queries per requester in any `window_seconds` (a sliding window),
    counted by `take` where all server workers see it. A refused query is not counted."""
    take: Take
    limit: int = 300
    window_seconds: float = 3600.0

    def spend(self, requester: Requester) -> int:
        """Take one query from the requester's budget; returns how many are left."""
        wait, left = self.take(requester.key)
        if wait:
            raise BudgetExceeded(
                f"query budget used up: {self.limit} Beacon queries per {int(self.window_seconds)} s for "
                f"{requester.key}; try again in {wait} s, or apply for data access to query the data directly", wait)
        return left
