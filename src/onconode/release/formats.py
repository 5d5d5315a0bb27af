"""A licensed release delivered in a standard model too (Phenopackets, the 1+MG minimal
dataset, OMOP, FHIR): the same export writers as `onconode export`, fed the release's
rows instead of a freeze's — only the released patients, under the release's pseudonyms,
and only the approved columns (every other column reads as empty), so a format can never
write what the approval does not cover.

Which formats: those the office names on `onconode release build --format`; a rebuild
without them (after a consent withdrawal, by a job) keeps the formats of the release it
replaces, read from its manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.exchange.report import ExportReport
from onconode.exchange.run import ExportError, check_format, write_format
from onconode.model import TABLES, TABLES_BY_NAME
from onconode.model.tables import GERMLINE_TABLES
from onconode.progress import Progress, silent
from onconode.release import ReleaseError
from onconode.release import writers as W
from onconode.release.manifest import read_manifest
from onconode.release.pseudonym import ID_COLUMNS
from onconode.release.selection import Selection
from onconode.store.store import Store


def delivery_formats(previous: Path) -> tuple[str, ...]:
    """The formats of the release built before in `previous` (none when there is none)."""
    try:
        return tuple(sorted(read_manifest(previous).get("formats") or ()))
    except ReleaseError:
        return ()


def check_formats(formats: tuple[str, ...]) -> None:
    for name in formats:
        try:
            check_format(name)
        except ExportError as exc:
            raise ReleaseError(f"{exc} (the release's delivery formats)") from None


def _per_patient(name: str) -> bool:
    return name == "dataset" or bool({"patient_id", "sample_id"} & set(TABLES_BY_NAME[name].column_names))


def release_relations(store: Store, sel: Selection, maps: W.Maps) -> dict[str, str]:
    """Model table -> SQL of the release's rows: approved tables with their approved columns
    (identifiers pseudonymised, other columns NULL), and the patients' and samples'
    pseudonyms, which every per-patient reader needs to group rows."""
    relations = {}
    for t in TABLES:
        approved = sel.items.get(t.name, [])
        if not _per_patient(t.name) or (not approved and t.name not in ("patient", "sample")):
            continue
        shown = [c for c in t.column_names if c in approved or c in ID_COLUMNS]
        rows = W.released_rows_sql(store, sel.version, t.name, maps)
        if t.name in GERMLINE_TABLES:
            rows = W.only_samples_sql(rows, tuple(sorted(sel.germline_samples)))
        inner = W.pseudonymized_sql(rows, shown, maps, list(t.key))
        select = [f'"{c.name}"' if c.name in shown else f'CAST(NULL AS {c.sql_type}) AS "{c.name}"' for c in t.columns]
        relations[t.name] = f"SELECT {', '.join(select)} FROM ({inner})"
    return relations


def write_formats(store: Store, sel: Selection, maps: W.Maps, work: Path, formats: tuple[str, ...],
                  progress: Progress = silent) -> dict[str, dict[str, Any]]:
    """Each format's files in `work/<format>/` (with its report.json); returns the reports."""
    relations = release_relations(store, sel, maps)
    out = {}
    for name in formats:
        folder = work / name
        folder.mkdir()
        report = ExportReport(name, as_of=sel.freeze_created)
        out[name] = write_format(store.con, relations, name, folder, report, progress).as_dict()
    return out
