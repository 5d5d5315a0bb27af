"""What a clinical reader hands over: rows per model table, each remembering where it came from.

The clinical TSV reader and the Phenopackets reader both produce a `Bundle`; the same
checks (`clinical_checks`) and the same loader (`load_bundle`) then apply, so a response
without its treatment or a date in the future is reported the same way whichever format
the data came in, with the file, line (or record) and column (or field path) to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from onconode.ingest.problems import Problems
from onconode.ingest.report import IngestReport
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.progress import Progress, silent
from onconode.store import Store

# Order matters only for readability of the report: parents before children.
PATIENT_TABLES = ("patient", "consent", "sample", "treatment", "treatment_drug", "treatment_response")


# The shared collector caps errors and warnings separately; the clinical readers use it as is.
Findings = Problems


@dataclass
class Record:
    """One row for a model table, and where each of its values was read."""

    values: dict[str, Any]
    file: str
    line: int | None
    fields: dict[str, str] = field(default_factory=dict)

    def where(self, column: str) -> tuple[str, int | None, str]:
        return self.file, self.line, self.fields.get(column, column)

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class Bundle:
    """Rows per table. `sent` names the tables the input speaks for: those are replaced for
    every patient in the bundle; a table the input does not mention is left as stored."""

    source: str
    description: str
    patients_file: str
    records: dict[str, list[Record]] = field(default_factory=lambda: {t: [] for t in ("dataset", *PATIENT_TABLES)})
    sent: set[str] = field(default_factory=set)

    def add(self, table: str, record: Record) -> None:
        self.records[table].append(record)

    def patient_ids(self) -> list[str]:
        return list(dict.fromkeys(r["patient_id"] for r in self.records["patient"] if r["patient_id"]))


def current_rows(store: Store, table: str, columns: Iterable[str], key: str, values: Iterable[str]) -> list[tuple]:
    """Current store rows of `table` whose `key` is one of `values` (identifiers from the model)."""
    wanted = sorted({v for v in values if v})
    if not wanted:
        return []
    t = TABLES_BY_NAME[table]
    cols = ", ".join('"' + t.column(c).name + '"' for c in columns)
    sql = (
        f"SELECT {cols} "
        f'FROM ({store.relation_sql(table, store.current_version)}) '
        f'WHERE "{t.column(key).name}" IN (SELECT unnest(?::VARCHAR[]))'
    )
    return store.con.execute(sql, [wanted]).fetchall()


def load_bundle(store: Store, bundle: Bundle, findings: Findings, *, progress: Progress = silent) -> IngestReport:
    """Write the bundle as one store version, or nothing at all if anything is wrong."""
    findings.raise_if_errors()
    patients = bundle.patient_ids()
    tables = [t for t in ("dataset", *PATIENT_TABLES) if t in bundle.sent]
    with progress("loading clinical data", len(tables)) as advance:
        with store.transaction(bundle.source, bundle.description) as tx:
            for name in tables:
                rows = [r.values for r in bundle.records[name]]
                owners = [r["dataset_id"] for r in bundle.records[name]] if name == "dataset" else patients
                tx.replace(name, to_arrow(TABLES_BY_NAME[name], rows), owners=owners)
                advance(1)
    counts = {
        name: int(store.con.execute(f'SELECT count(*) FROM "{name}" WHERE "_added" = ?', [tx.version]).fetchall()[0][0])
        for name in tables
    }
    samples = [r["sample_id"] for r in bundle.records["sample"]]
    warnings = list(tx.warnings)
    if findings.warnings_dropped:
        warnings.append(f"... and {findings.warnings_dropped} more warning(s) not shown")
    return IngestReport(
        source=bundle.source, version=tx.version, rows=counts, warnings=warnings,
        problems=findings.warnings, samples=samples, patients=patients,
    )
