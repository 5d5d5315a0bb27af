"""Parquet exports as jobs (`onconode export-parquet --background`): the export writes a
temporary folder and swaps it into place, so a killed job leaves no half export and
simply runs again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from onconode.db import job_kinds, jobs
from onconode.db.job_kinds import Context, progress_of
from onconode.store.parquet import export_parquet
from onconode.store.store import Store

EXPORT = "parquet-export"


def enqueue_export(engine: sa.Engine, dest: Path, freeze: str | None, created_by: str = "") -> int:
    dest = Path(dest).resolve()
    return jobs.enqueue(engine, EXPORT, {"dest": str(dest), "freeze": freeze}, key=str(dest), created_by=created_by)


def run_export(ctx: Context, params: dict[str, Any]) -> dict[str, int]:
    with Store.open(ctx.home, read_only=True) as store:
        return export_parquet(store, Path(params["dest"]), params.get("freeze"), progress=progress_of(ctx))


def register() -> None:
    job_kinds.register(EXPORT, run_export, description="export a freeze as Parquet")
