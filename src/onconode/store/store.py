"""The node's analytical store: one DuckDB file with every version of every row.

Rows are never updated in place. Each row carries `_added` (the version that wrote it)
and `_removed` (the version that replaced it, NULL while current), so a version — and a
freeze, which is only a name for a version — is a filter, not a copy. An ingest is one
DuckDB transaction: a crash or SIGKILL before commit leaves the previous version intact.
Consent withdrawal is the one exception to "never delete": it deletes the patient's rows
from every version, and records that it did.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from onconode import private
from onconode.model import TABLES, TABLES_BY_NAME, Table

if TYPE_CHECKING:  # ibis costs ~0.3 s to import; only queries need it
    import ibis

STORE_FILE = "store.duckdb"
FREEZE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class StoreError(Exception):
    """A store operation that cannot proceed; the message says what to do."""


@dataclass(frozen=True)
class Version:
    version: int
    created_at: dt.datetime
    source: str
    description: str
    rows_added: int
    rows_removed: int


@dataclass(frozen=True)
class Freeze:
    freeze_id: str
    version: int
    created_at: dt.datetime
    description: str


def _ddl(t: Table) -> str:
    cols = [f'"{c.name}" {c.sql_type}' for c in t.columns]
    cols += ['"_added" BIGINT NOT NULL', '"_removed" BIGINT']
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" ({", ".join(cols)})'


BOOKKEEPING_DDL = (
    """CREATE TABLE IF NOT EXISTS store_version (
        version BIGINT PRIMARY KEY, created_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
        description VARCHAR, rows_added BIGINT NOT NULL, rows_removed BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS store_freeze (
        freeze_id VARCHAR PRIMARY KEY, version BIGINT NOT NULL, created_at TIMESTAMP NOT NULL,
        description VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS withdrawal (
        patient_id VARCHAR PRIMARY KEY, sample_ids VARCHAR, withdrawn_at TIMESTAMP NOT NULL,
        version BIGINT NOT NULL, rows_removed BIGINT NOT NULL, reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
)


def withdrawal_sequence(store: "Store") -> int:
    """How many consent withdrawals the store has recorded: with the version, the key of
    everything derived from the store (`derived.py`). A withdrawal deletes rows from every
    version without making a new one for old freezes, so the version alone does not say
    whether a copy still holds a withdrawn patient; this number does (it only grows).

    A read-only store is asked once: no process can write the file while it is open
    read-only (DuckDB's lock), so the number cannot change under it."""
    if store.read_only and store._withdrawals is not None:
        return store._withdrawals
    n = int(store.con.execute("SELECT count(*) FROM withdrawal").fetchall()[0][0])  # fetchall: leaves no open result
    if store.read_only:
        store._withdrawals = n
    return n


def version_filter(version: int) -> str:
    """SQL predicate selecting the rows visible at `version`."""
    return f'"_added" <= {int(version)} AND ("_removed" IS NULL OR "_removed" > {int(version)})'


class Store:
    """A node's store in `home`. Open it with `Store.open(home)`; close it when done."""

    def __init__(self, home: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.home = home
        self.con = con
        self.read_only = read_only
        self._ibis = None
        self._withdrawals: int | None = None  # withdrawal_sequence of a read-only store
        # Ibis tables per (name, version): building one asks DuckDB for the schema, which
        # costs more than many analyses' own queries. Expressions are immutable, and a
        # version's columns never change while the store is open, so they are kept.
        self._tables: dict[tuple[str, int], "ibis.Table"] = {}

    # -- opening -------------------------------------------------------------------
    @classmethod
    def init(cls, home: Path) -> "Store":
        private.node_home(home)  # 0700, and DuckDB's files are born 0600
        con = duckdb.connect(str(home / STORE_FILE))
        store = cls(home, con, read_only=False)
        store._create_schema()
        return store

    @classmethod
    def open(cls, home: Path, read_only: bool = False) -> "Store":
        path = home / STORE_FILE
        if not path.exists():
            raise StoreError(f"no store in {home}: run `onconode --home {home} init` first")
        if not read_only:
            private.node_home(home)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if "lock" not in str(exc) and "different configuration" not in str(exc):
                raise
            raise StoreError(
                f"the store in {home} is in use: another process (an ingest, withdrawal or freeze) is writing to it, "
                "or it is open for reading while you asked to write. Many readers or one writer may use it at a "
                "time; wait for the other command to finish and try again"
            ) from exc
        store = cls(home, con, read_only=read_only)
        if not read_only:
            store._create_schema()  # adds tables a newer model defines
        else:
            store._stand_in_for_missing_tables()
        return store

    def _stand_in_for_missing_tables(self) -> None:
        """A store written by an older onconode, opened read-only (the web node, `stats`),
        lacks the tables a newer model defines until it is next opened for writing; each
        gets an empty temporary table of the same shape, so analyses read "no rows" instead
        of failing."""
        present = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        for t in TABLES:
            if t.name not in present:
                self.con.execute(_ddl(t).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))

    def _create_schema(self) -> None:
        for stmt in BOOKKEEPING_DDL:
            self.con.execute(stmt)
        for t in TABLES:
            self.con.execute(_ddl(t))
        if self.con.execute("SELECT count(*) FROM store_version").fetchall()[0][0] == 0:
            self.con.execute(
                "INSERT INTO store_version VALUES (0, ?, 'init', 'empty store', 0, 0)",
                [dt.datetime.now()],
            )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versions and freezes ------------------------------------------------------
    @property
    def current_version(self) -> int:
        return int(self.con.execute("SELECT max(version) FROM store_version").fetchall()[0][0])

    def versions(self) -> list[Version]:
        rows = self.con.execute("SELECT * FROM store_version ORDER BY version").fetchall()
        return [Version(*r) for r in rows]

    def freezes(self) -> list[Freeze]:
        rows = self.con.execute("SELECT * FROM store_freeze ORDER BY created_at, freeze_id").fetchall()
        return [Freeze(*r) for r in rows]

    def create_freeze(self, freeze_id: str, description: str = "") -> Freeze:
        if not FREEZE_ID.match(freeze_id):
            raise StoreError(
                f"freeze id {freeze_id!r} is not valid: use letters, digits, '.', '_' or '-' "
                "(at most 64 characters), e.g. DR-2026-11"
            )
        if self.con.execute("SELECT 1 FROM store_freeze WHERE freeze_id = ?", [freeze_id]).fetchall():
            raise StoreError(f"freeze {freeze_id} already exists: a freeze is immutable; choose a new id")
        freeze = Freeze(freeze_id, self.current_version, dt.datetime.now(), description)
        self.con.execute("INSERT INTO store_freeze VALUES (?, ?, ?, ?)", [freeze.freeze_id, freeze.version, freeze.created_at, description])
        return freeze

    def resolve(self, freeze: str | None = None) -> int:
        """The store version a freeze pins, or the current version when `freeze` is None."""
        if freeze is None:
            return self.current_version
        rows = self.con.execute("SELECT version FROM store_freeze WHERE freeze_id = ?", [freeze]).fetchall()
        if not rows:
            known = ", ".join(f.freeze_id for f in self.freezes()) or "none yet"
            raise StoreError(f"no freeze {freeze!r} (known freezes: {known}); create it with `onconode freeze create {freeze}`")
        return int(rows[0][0])

    # -- reading -------------------------------------------------------------------
    def relation_sql(self, table: str, version: int) -> str:
        """SQL for `table` as it was at `version`, without the store columns."""
        t = TABLES_BY_NAME[table]
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        return f'SELECT {cols} FROM "{table}" WHERE {version_filter(version)}'

    @property
    def ibis(self) -> "ibis.BaseBackend":
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str, freeze: str | None = None, version: int | None = None) -> "ibis.Table":
        """An Ibis table of `name` at a freeze (or version, or now)."""
        v = self.resolve(freeze) if version is None else version
        if (name, v) not in self._tables:
            t = self.ibis.table(name)
            visible = (t._added <= v) & (t._removed.isnull() | (t._removed > v))
            self._tables[(name, v)] = t.filter(visible).select(*TABLES_BY_NAME[name].column_names)
        return self._tables[(name, v)]

    def snapshot(self, freeze: str | None = None) -> "StoreSnapshot":
        return StoreSnapshot(self, self.resolve(freeze), freeze)

    def counts(self, freeze: str | None = None) -> dict[str, int]:
        v = self.resolve(freeze)
        return {
            t.name: int(self.con.execute(f'SELECT count(*) FROM "{t.name}" WHERE {version_filter(v)}').fetchall()[0][0])
            for t in TABLES
        }

    def withdrawn_patients(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT patient_id FROM withdrawal").fetchall()}

    def withdrawn_samples(self) -> set[str]:
        out: set[str] = set()
        for (ids,) in self.con.execute("SELECT sample_ids FROM withdrawal").fetchall():
            out.update(s for s in (ids or "").split(",") if s)
        return out

    # -- writing -------------------------------------------------------------------
    def transaction(self, source: str, description: str = "") -> "IngestTransaction":
        from onconode.store.transaction import IngestTransaction

        if self.read_only:
            raise StoreError("the store is open read-only; open it for writing to ingest")
        return IngestTransaction(self, source, description)

    def withdraw(self, patient_id: str, reason: str = "") -> int:
        """Delete every row of a patient from every version; returns the rows removed."""
        from onconode.store.withdraw import withdraw_patient

        return withdraw_patient(self, patient_id, reason)


@dataclass(frozen=True)
class StoreSnapshot:
    """The store as of one version: what analyses read, on DuckDB."""

    store: Store
    version: int
    freeze: str | None

    def table(self, name: str) -> "ibis.Table":
        return self.store.table(name, version=self.version)
