"""Run an export format over a freeze (`onconode export FORMAT --freeze ID OUT`) or over a
release's relations (release.formats): patient by patient, with progress, into a folder
with the format's files and `report.json` (what was written, what could not be expressed).

A freeze export is atomic: it is written into a hidden temporary folder beside OUT and
renamed to OUT only when complete, so a failed or killed export leaves no half OUT.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from onconode.exchange.formats import FORMATS
from onconode.exchange.patients import freeze_relations, iter_patients
from onconode.exchange.report import ExportReport
from onconode.model import TABLES_BY_NAME
from onconode.progress import Progress, silent
from onconode.store.store import Store, duckdb_settings

EXPORT_DUCKDB = {"memory_limit": "1GB", "threads": "2"}  # an export streams patients: DuckDB's buffers need not grow with the store

REPORT = "report.json"


class ExportError(Exception):
    """An export that cannot start: unknown format or freeze, OUT not empty. The message says how to fix it."""


def check_format(name: str) -> None:
    if name not in FORMATS:
        raise ExportError(f"unknown export format {name!r}: choose one of {', '.join(sorted(FORMATS))}")


def reads(name: str) -> dict[str, str] | None:
    """The rows format `name` reads, as its module declares them in READS (table -> SQL
    condition on the table's columns, "" for every row); None: every table, every row."""
    return getattr(inspect.getmodule(FORMATS[name]), "READS", None)


def _narrowed(con: duckdb.DuckDBPyConnection, relations: dict[str, str], name: str, report: ExportReport) -> dict[str, str]:
    """Only the rows the format reads (so a phenopacket export of 6 million variants holds
    the few hundred reported ones in memory, not every variant); the rows left out are
    counted in the report per table."""
    wanted = reads(name)
    if wanted is None:
        return relations
    out = {}
    for table, sql in relations.items():
        if table in ("patient", "sample") and table not in wanted:
            out[table] = sql
        elif table not in wanted:
            if not {"patient_id", "sample_id"} & set(TABLES_BY_NAME[table].column_names):
                continue  # not patient data (e.g. gene panels): nothing of a patient is left out
            n = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            if n:
                report.skip(table, f"not written to {name}", n)
        elif wanted[table]:
            n = con.execute(f"SELECT count(*) FROM ({sql}) WHERE NOT coalesce({wanted[table]}, FALSE)").fetchone()[0]
            if n:
                report.skip(f"{table} (rows not {wanted[table]})", f"{name} writes only rows where {wanted[table]}", n)
            out[table] = f"SELECT * FROM ({sql}) WHERE {wanted[table]}"
        else:
            out[table] = sql
    return out


def write_format(con: duckdb.DuckDBPyConnection, relations: dict[str, str], name: str, folder: Path,
                 report: ExportReport, progress: Progress = silent) -> ExportReport:
    """Format `name`'s files and report.json in `folder` (which exists), from `relations`."""
    check_format(name)
    with duckdb_settings(con, EXPORT_DUCKDB):
        return _write_format(con, relations, name, folder, report, progress)


def _write_format(con: duckdb.DuckDBPyConnection, relations: dict[str, str], name: str, folder: Path,
                  report: ExportReport, progress: Progress) -> ExportReport:
    relations = _narrowed(con, relations, name, report)
    total = con.execute(f"SELECT count(*) FROM ({relations['patient']})").fetchone()[0]
    with progress(f"exporting {name}", total) as advance:
        def stream():
            for record in iter_patients(con, relations):
                yield record
                advance(1)

        FORMATS[name](stream(), folder, report)
    (folder / REPORT).write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return report


def export_freeze(store: Store, name: str, freeze: str, out: Path, progress: Progress = silent) -> ExportReport:
    """Export `freeze` as format `name` into the new or empty folder `out`."""
    check_format(name)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty folder: an export never mixes with other files; "
                          "choose a new folder or remove that one")
    version = store.resolve(freeze)
    found = next(f for f in store.freezes() if f.freeze_id == freeze)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    try:
        report = ExportReport(name, as_of=found.created_at)
        write_format(store.con, freeze_relations(store, version), name, work, report, progress)
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report
