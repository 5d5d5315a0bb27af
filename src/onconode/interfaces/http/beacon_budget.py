"""The Beacon query budget of a node, counted in the governance database.

analysis/beacon_rules.QueryBudget decides what a used-up budget means but cannot import
access/ (DESIGN.md layers), so the node passes it the counting: a sliding-window `Limit`
of access/rate_limits, whose check-and-count is one step for every server worker. With
`onconode serve --workers N` the N processes therefore share one budget per requester,
instead of each granting the full budget (which N workers would multiply by N).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from onconode.access.rate_limits import Limit
from onconode.analysis.beacon_rules import QueryBudget
from onconode.interfaces.http.login_limits import wall_clock

BUCKET = "beacon-query"


def budget_for(node: Any) -> QueryBudget:
    """The budget of the node's `[beacon.budget]` settings, kept in its governance database.
    Counted in real time (not the node's governance clock, which tests move by months)."""
    section = node.settings.beacon.budget
    limit = Limit(BUCKET, attempts=section.limit, window=dt.timedelta(seconds=section.window_seconds))

    def take(key: str) -> tuple[int, int]:
        taken = limit.take(node.gov.engine, key, wall_clock())
        return taken.wait, taken.left

    return QueryBudget(take, limit=section.limit, window_seconds=section.window_seconds)
