"""Standard-model exports as jobs (`onconode export FORMAT --freeze ID OUT --background`):
nothing slow runs in a request or holds a terminal. The export writes a hidden temporary
folder and renames it into place (exchange.run), so a killed job leaves no half OUT; its
hidden folder is removed and the job runs again from the start."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from onconode.db import job_kinds, jobs
from onconode.db.job_kinds import Context, Permanent, progress_of
from onconode.exchange.run import ExportError, check_format, export_freeze
from onconode.store.store import Store, StoreError

EXPORT = "export"


def enqueue_export(engine: sa.Engine, name: str, freeze: str, out: Path, created_by: str = "") -> int:
    """Queue an export (one job per OUT folder at a time); an unknown format is refused now."""
    check_format(name)
    out = Path(out).resolve()
    return jobs.enqueue(engine, EXPORT, {"format": name, "freeze": freeze, "out": str(out)}, key=str(out), created_by=created_by)


def run_export(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    out = Path(params["out"])
    for stale in out.parent.glob(f".{out.name}.partial-*"):  # a killed attempt's folder
        shutil.rmtree(stale, ignore_errors=True)
    try:
        with Store.open(ctx.home, read_only=True) as store:
            report = export_freeze(store, params["format"], params["freeze"], out, progress=progress_of(ctx))
    except (ExportError, StoreError) as exc:
        raise Permanent(str(exc)) from exc
    return {"out": str(out), "patients": report.patients, "files": dict(report.files),
            "not_expressed": sum(report.not_expressed.values())}


def register() -> None:
    job_kinds.register(EXPORT, run_export, description="export a freeze as mds, omop, fhir or phenopackets")
