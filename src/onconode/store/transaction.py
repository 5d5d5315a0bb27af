"""One ingest = one store version = one DuckDB transaction.

Readers hand whole tables (Arrow tables or streaming record-batch readers) to
`replace`; the rows of the same owners (samples or patients) that were current become
history. Nothing is visible to anyone until commit, and a failure — or a SIGKILL — before
commit leaves the previous version as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

import duckdb
import pyarrow as pa

from onconode.model import TABLES_BY_NAME



class Versioned(Protocol):
    """What a transaction needs of the store (store.py's Store, which creates transactions
    and so sits above this module): its write connection and current version."""

    con: duckdb.DuckDBPyConnection

    @property
    def current_version(self) -> int: ...

MAX_EXAMPLES = 5


class IngestTransaction:
    def __init__(self, store: Versioned, source: str, description: str) -> None:
        self.store = store
        self.con = store.con
        self.source = source
        self.description = description
        self.version = -1
        self.rows_added = 0
        self.rows_removed = 0
        self.warnings: list[str] = []
        self._touched: set[str] = set()
        self._n = 0
        self._writes: dict[str, int] = {}  # replace() calls per table, so a uniqueness check is not repeated
        self._unique: dict[str, tuple[int, list[tuple]]] = {}

    def __enter__(self) -> "IngestTransaction":
        self.con.execute("BEGIN TRANSACTION")
        self.version = self.store.current_version + 1
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.con.execute("ROLLBACK")
            return
        try:
            self._finish()
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- the one write operation ------------------------------------------------------
    def _insert(self, table: str, cols: str, source: str) -> None:
        """INSERT without keeping the incoming rows' order: DuckDB then appends from both
        cores without re-sequencing the batches, a quarter less CPU for a VCF. Nothing may
        rely on physical row order (every reader that needs an order says ORDER BY)."""
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.execute(f'INSERT INTO "{table}" ({cols}, "_added") SELECT {cols}, {self.version} FROM "{source}"')
        finally:
            self.con.execute("RESET preserve_insertion_order")

    def replace(
        self,
        table: str,
        data: pa.Table | pa.RecordBatchReader | None,
        owners: Iterable[str] = (),
    ) -> int:
        """Write `data` as the new rows of its owners, and retire their current rows.

        `owners` names owners to replace even if `data` has no rows for them (a re-ingested
        sample that no longer has fusions loses its old fusions). Returns rows inserted.
        """
        t = TABLES_BY_NAME[table]
        self._touched.add(table)
        self._writes[table] = self._writes.get(table, 0) + 1
        inserted = 0
        if data is not None:
            extra = set(data.schema.names) - set(t.column_names)
            if extra:
                raise ValueError(f"{table}: columns {sorted(extra)} are not in the model")
            self._n += 1
            name = f"_incoming_{self._n}"
            self.con.register(name, data)
            try:
                present = [c for c in t.column_names if c in data.schema.names]
                cols = ", ".join(f'"{c}"' for c in present)
                before = self._count_added(table)
                self._insert(table, cols, name)
                inserted = self._count_added(table) - before
            finally:
                try:
                    self.con.unregister(name)
                except duckdb.TransactionException:
                    pass  # the failed INSERT aborted the transaction; its own error is the one to report
        owner_list = sorted(set(owners))
        if owner_list:
            self.con.execute(
                f'UPDATE "{table}" SET "_removed" = {self.version} '
                f'WHERE "{t.owner}" IN (SELECT unnest(?::VARCHAR[])) AND "_removed" IS NULL AND "_added" < {self.version}',
                [owner_list],
            )
        self.con.execute(
            f'UPDATE "{table}" SET "_removed" = {self.version} WHERE "_removed" IS NULL AND "_added" < {self.version} '
            f'AND "{t.owner}" IN (SELECT DISTINCT "{t.owner}" FROM "{table}" WHERE "_added" = {self.version})'
        )
        self.rows_added += inserted
        return inserted

    def _count_added(self, table: str) -> int:
        return int(self.con.execute(f'SELECT count(*) FROM "{table}" WHERE "_added" = {self.version}').fetchall()[0][0])

    # -- commit-time checks ------------------------------------------------------------
    def _finish(self) -> None:
        for table in sorted(self._touched):
            self._drop_withdrawn(table)
            self._check_required(table)
            self._check_unique(table)
        self.rows_removed = sum(
            int(self.con.execute(f'SELECT count(*) FROM "{t}" WHERE "_removed" = {self.version}').fetchall()[0][0])
            for t in self._touched
        )
        self.con.execute(
            "INSERT INTO store_version VALUES (?, ?, ?, ?, ?, ?)",
            [self.version, dt.datetime.now(), self.source, self.description, self.rows_added, self.rows_removed],
        )

    def _drop_withdrawn(self, table: str) -> None:
        """Rows of patients who withdrew consent never enter the store again."""
        cols = TABLES_BY_NAME[table].column_names
        if "patient_id" in cols:
            cond = '"patient_id" IN (SELECT patient_id FROM withdrawal)'
        elif "sample_id" in cols:
            cond = (
                "\"sample_id\" IN (SELECT unnest(string_split(sample_ids, ',')) FROM withdrawal)"
            )
        else:
            return
        n = int(self.con.execute(f'SELECT count(*) FROM "{table}" WHERE "_added" = {self.version} AND {cond}').fetchall()[0][0])
        if n:
            self.con.execute(f'DELETE FROM "{table}" WHERE "_added" = {self.version} AND {cond}')
            self._unique.pop(table, None)  # a uniqueness answer from before the delete is stale
            self.rows_added -= n
            self.warnings.append(
                f"{table}: skipped {n} row(s) of patients who withdrew consent (see `onconode withdraw`)"
            )

    def _check_required(self, table: str) -> None:
        t = TABLES_BY_NAME[table]
        for c in t.columns:
            if not c.required:
                continue
            n = int(self.con.execute(
                f'SELECT count(*) FROM "{table}" WHERE "_added" = {self.version} AND "{c.name}" IS NULL'
            ).fetchall()[0][0])
            if n:
                raise IntegrityError(f"{table}.{c.name} is required but {n} incoming row(s) have no value")

    def duplicates(self, table: str) -> list[tuple]:
        """Up to MAX_EXAMPLES keys that the rows written so far would hold twice: (*key, times).

        A reader may ask before commit (to report where the duplicates are); the answer is
        kept until the table is written again, so commit does not group a million rows twice.
        """
        writes = self._writes.get(table, 0)
        cached = self._unique.get(table)
        if cached is not None and cached[0] == writes:
            return cached[1]
        t = TABLES_BY_NAME[table]
        key = ", ".join(f'"{k}"' for k in t.key)
        if t.owner in t.key:
            scope = f'"_added" = {self.version}'
        else:
            scope = (
                f'"_removed" IS NULL AND ({key}) IN (SELECT ({key}) FROM "{table}" WHERE "_added" = {self.version})'
            )
        dups = self.con.execute(
            f'SELECT {key}, count(*) AS n FROM "{table}" WHERE {scope} GROUP BY ALL HAVING count(*) > 1 LIMIT {MAX_EXAMPLES}'
        ).fetchall()
        self._unique[table] = (writes, dups)
        return dups

    def _check_unique(self, table: str) -> None:
        t = TABLES_BY_NAME[table]
        dups = self.duplicates(table)
        if dups:
            shown = "; ".join(", ".join(f"{k}={v}" for k, v in zip(t.key, row[:-1])) + f" ({row[-1]} times)" for row in dups)
            raise IntegrityError(
                f"{table}: duplicate rows for the key ({', '.join(t.key)}): {shown}. "
                "Each must appear once; remove the duplicates from the input and ingest again."
            )


class IntegrityError(Exception):
    """The incoming data breaks a rule of the model; nothing was written."""
