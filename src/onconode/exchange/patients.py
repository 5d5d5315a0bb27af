"""A freeze (or a release's rows) read one patient at a time, so an export of 100 million
variants holds only a few patients' rows in memory; every export format reads from here.

The source is a mapping from model table to a SQL relation: a freeze gives the store's
tables at its version without withdrawn patients; a release gives its approved columns
with pseudonyms, so the same export code serves both and never sees what it may not write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from onconode.model import TABLES, TABLES_BY_NAME
from onconode.store.store import Store

Row = dict[str, Any]


@dataclass(frozen=True)
class PatientRecord:
    """One patient's rows of every table in the source; tables without rows are absent."""

    patient_id: str
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])

    def one(self, table: str) -> Row | None:
        rows = self.rows(table)
        return rows[0] if rows else None

    def grouped(self, table: str, column: str) -> dict[Any, list[Row]]:
        """The table's rows by the value of `column` (e.g. a treatment's drugs by treatment_id)."""
        out: dict[Any, list[Row]] = {}
        for row in self.rows(table):
            out.setdefault(row[column], []).append(row)
        return out


def freeze_relations(store: Store, version: int, tables: list[str] | None = None) -> dict[str, str]:
    """The store's tables at `version` (a withdrawal deletes the patient's rows from every
    version, so exports of earlier freezes never hold them)."""
    return {name: store.relation_sql(name, version) for name in (tables or [t.name for t in TABLES])}


def _owner_sql(name: str, relations: dict[str, str]) -> str:
    """`name`'s rows with the patient they belong to, as column `_patient`."""
    cols = TABLES_BY_NAME[name].column_names
    rel = relations[name]
    if "patient_id" in cols:
        return f"SELECT *, patient_id AS _patient FROM ({rel})"
    if "sample_id" in cols:
        return (f"SELECT t.*, s.patient_id AS _patient FROM ({rel}) t "
                f"JOIN (SELECT sample_id, patient_id FROM ({relations['sample']})) s USING (sample_id)")
    if name == "dataset":
        return (f"SELECT d.*, p.patient_id AS _patient FROM ({rel}) d "
                f"JOIN (SELECT dataset_id, patient_id FROM ({relations['patient']})) p USING (dataset_id)")
    raise ValueError(f"table {name} has no patient, sample or dataset id; it cannot be read per patient")


def iter_patients(con: duckdb.DuckDBPyConnection, relations: dict[str, str], *,
                  batch: int = 25) -> Iterator[PatientRecord]:
    """Every patient of `relations['patient']`, in patient id order, with their rows of
    each table in `relations` (ordered by the table's columns, so exports are repeatable).
    Tables that are neither per patient nor per sample (e.g. gene panels) are skipped:
    read them whole with `con.execute(relations[name])`."""
    ids = [r[0] for r in con.execute(f"SELECT patient_id FROM ({relations['patient']}) ORDER BY patient_id").fetchall()]
    per_patient = [n for n in relations
                   if n == "dataset" or {"patient_id", "sample_id"} & set(TABLES_BY_NAME[n].column_names)]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows: dict[str, dict[str, list[Row]]] = {p: {} for p in chunk}
        con.execute("CREATE OR REPLACE TEMP TABLE _export_patients (patient_id VARCHAR)")
        con.executemany("INSERT INTO _export_patients VALUES (?)", [[p] for p in chunk])
        for name in per_patient:
            cols = TABLES_BY_NAME[name].column_names
            order = ", ".join(f'"{c}" NULLS LAST' for c in cols)
            cur = con.execute(
                f"SELECT * FROM ({_owner_sql(name, relations)}) "
                f"WHERE _patient IN (SELECT patient_id FROM _export_patients) ORDER BY _patient, {order}")
            names = [d[0] for d in cur.description]
            for values in cur.fetchall():
                row = dict(zip(names, values))
                owner = row.pop("_patient")
                rows[owner].setdefault(name, []).append(row)
        for p in chunk:
            yield PatientRecord(p, rows[p])
