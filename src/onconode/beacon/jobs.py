"""The Beacon's position index of a freeze, built as a job (minutes at scale: never in a
request). The build writes a temporary folder and renames it into place, so a killed
job leaves the previous index and simply runs again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onconode.beacon.positions import build
from onconode.db import job_kinds, jobs
from onconode.db.job_kinds import Context

POSITIONS = "beacon-positions"


def enqueue_positions(engine: sa.Engine, freeze: str, created_by: str = "") -> int:
    return jobs.enqueue(engine, POSITIONS, {"freeze": freeze}, key=freeze, created_by=created_by)


def run_positions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.report(0.0, f"indexing the variant positions of {params['freeze']}")
    freeze, path, rows = build(ctx.home, params["freeze"])
    return {"freeze": freeze, "path": str(path), "rows": rows}


def register() -> None:
    job_kinds.register(POSITIONS, run_positions, description="Beacon position index of a freeze")
