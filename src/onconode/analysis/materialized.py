"""Selections every analysis starts from, computed once per store snapshot and
withdrawal sequence (the derived-data key, `store/derived.py`).

At Hartwig scale the somatic variant table holds ~100 million rows, of which analyses
only ever count the ~1 % that are passing, non-silent mutations in a gene. Filtering the
whole table again in every query costs seconds (a full scan of five string columns);
keeping the selection costs a few MB. So the first analysis on a store snapshot
materialises it into a DuckDB *temporary* table of the store's connection — in memory,
private to the process, possible on a read-only store, never written to the store file
— and every later query of that snapshot reads the small table.

The costly selections (passing mutations, alteration events) are declared as derived
artifacts with `selection(...)`: Parquet files under `<home>/derived/analysis.<name>/`,
built once across processes and read by every server worker through a DuckDB view, so
no worker spends the build's seconds or holds its own copy. The others stay temporary
tables of the connection.

A snapshot's rows never change, with one exception: consent withdrawal deletes a
patient's rows from every version. Every table and view name therefore carries the
registry's key — version *and* withdrawal sequence — so a withdrawal since it was built
makes the next query use a fresh one (the registry deletes stale files, this module
drops stale temporary tables).

Snapshots that are not on a DuckDB store (an exported freeze on PySpark) get the plain
expression: their engine decides how to run it.

A snapshot may be a view that changes some of the store's tables (a node's harmonized
codes, `federation/harmonization.py`: its `changed_tables`, e.g. sample and
treatment_drug). Only the selections that read a changed table differ from the store's
own at that version; those are built fresh for every question, every other selection
(the passing mutations, the alteration events: the costly ones) is the store's own and
shared. Which tables a selection reads is not declared by its caller but recorded: the
view reports each table it is asked for (`note_table_read`) while the selection's
expression is first built, and the answer is kept per selection name.
"""

from __future__ import annotations

import contextvars
import re
import uuid
import weakref
from pathlib import Path
from typing import Any, Callable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from onconode.store import derived
from onconode.store.store import Store, StoreSnapshot, withdrawal_sequence

_PREFIX = "_onconode_cache_"
# Ibis tables of the temporary tables, per store (weakly), so a question does not ask
# DuckDB for a table's schema again (~10 ms each).
_TABLES: "weakref.WeakKeyDictionary[Any, dict[str, ir.Table]]" = weakref.WeakKeyDictionary()


def _store_of(snap: Any) -> Any | None:
    store = getattr(snap, "store", None)
    if store is None or not hasattr(store, "con") or not isinstance(getattr(snap, "version", None), int):
        return None
    return store


def _changed(snap: Any) -> frozenset[str]:
    """The tables a view snapshot changes from the store's own rows at its version."""
    return frozenset(getattr(snap, "changed_tables", ()))


# While a selection's expression is built: the tables read (innermost build last).
_READING: "contextvars.ContextVar[tuple[set[str], ...]]" = contextvars.ContextVar("_onconode_reading", default=())
# Per selection name and changed-table set: which of those tables its build reads.
_READS: dict[tuple[str, frozenset[str]], frozenset[str]] = {}


def note_table_read(name: str) -> None:
    """Called by a view snapshot's `table(name)`: records the read for every selection
    being built, so one that reads a changed table is never cached under the store's key."""
    for reads in _READING.get():
        reads.add(name)


def _reads_changed(snap: Any, name: str, build: Callable[[], ir.Table]) -> tuple[bool, Callable[[], ir.Table]]:
    """Whether selection `name` of view `snap` reads a table the view changes, and a build
    (the expression already built, when finding out needed it)."""
    changed = _changed(snap)
    key = (name, changed)
    if key not in _READS:
        reads: set[str] = set()
        token = _READING.set(_READING.get() + (reads,))
        try:
            expr = build()
        finally:
            _READING.reset(token)
        _READS[key] = frozenset(reads & changed)
        build = lambda: expr  # noqa: E731
    for outer in _READING.get():   # a selection built from this one reads what it reads
        outer.update(_READS[key])
    return bool(_READS[key]), build


def _cached_store(snap: Any, name: str, build: Callable[[], ir.Table]) -> tuple[Any | None, Callable[[], ir.Table]]:
    """The store whose per-version table `name` serves `snap` (None: build it for this
    question only), and the build to use."""
    store = _store_of(snap)
    if store is None or not _changed(snap):
        return store, build
    reads_changed, build = _reads_changed(snap, name, build)
    return (None if reads_changed else store), build


def _withdrawals(store: Any) -> int:
    """The store's withdrawal sequence: with the version, the key of every kept table."""
    return withdrawal_sequence(store)


def _artifact(name: str) -> str:
    return f"analysis.{name}"


# The forms a selection's derived files take: Parquet, or a DuckDB database file (for a
# table scanned whole by hot questions: DuckDB reads its own format with ~40 % less CPU
# than Parquet, measured on the frequency table). Either way every process reads the one
# file and no process holds the rows in its heap.
PARQUET, DUCKDB = "rows.parquet", "rows.duckdb"


def _build_selection(expr: Callable[[Any], ir.Table], form: str) -> derived.Builder:
    def build(store: Store, key: derived.Key, out: Path) -> None:
        sql = ibis.to_sql(expr(StoreSnapshot(store, key.version, None)), dialect="duckdb")
        target = str(out / form).replace("'", "''")
        if form == PARQUET:
            store.con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            return
        alias = f"_onconode_build_{uuid.uuid4().hex}"
        store.con.execute(f"ATTACH '{target}' AS \"{alias}\" (READ_WRITE)")   # the store itself may be read-only
        try:
            store.con.execute(f'CREATE TABLE "{alias}".rows AS {sql}')
        finally:
            store.con.execute(f'DETACH "{alias}"')
    return build


def selection(name: str, reads: tuple[str, ...], expr: Callable[[Any], ir.Table], prebuild: bool = False,
              form: str = PARQUET) -> None:
    """Declare selection `name` (of `expr(snapshot)`) a derived artifact: on a DuckDB
    store, `materialized(snap, name, ...)` then reads it from a file shared by every
    process (`form`: PARQUET or DUCKDB) instead of building a temporary table per
    connection. `prebuild`: a job builds it for the current version and the latest freeze
    after each publish."""
    if form not in (PARQUET, DUCKDB):
        raise ValueError(f"selection {name!r}: form {form!r} is not {PARQUET!r} or {DUCKDB!r}")
    _FORMS[name] = form
    derived.register(derived.Artifact(_artifact(name), reads, _build_selection(expr, form), f"analysis selection {name}",
                                      prebuild=(derived.CURRENT, derived.LATEST_FREEZE) if prebuild else ()))


_FORMS: dict[str, str] = {}   # selection name -> the form of its derived file


def materialized(snap: Any, name: str, build: Callable[[], ir.Table]) -> ir.Table:
    """`build()` for this snapshot, as a temporary table built on first use.

    `name` identifies the selection (letters, digits, underscores); the caller promises
    that `build()` depends only on the snapshot's rows."""
    store, build = _cached_store(snap, name, build)
    if store is None:
        return build()
    return _materialize(store, snap.version, name, build)[1]


def withdrawals(snap: Any) -> int | None:
    """The store's withdrawal count (part of every per-snapshot table's key), for a caller
    that reads several tables for one answer and asks once; None off a DuckDB store."""
    store = _store_of(snap)
    return None if store is None else _withdrawals(store)


def _materialize(store: Any, version: int, name: str, build: Callable[[], ir.Table],
                 known_withdrawals: int | None = None) -> tuple[str, ir.Table]:
    """The temporary table's name and Ibis table (`materialized` on a DuckDB store)."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"materialized selection name {name!r} must be lower-case letters, digits or underscores")
    con = store.con
    withdrawals = _withdrawals(store) if known_withdrawals is None else known_withdrawals
    table = f"{_PREFIX}{name}_v{version}_w{withdrawals}"
    known = _TABLES.setdefault(store, {})
    if table in known:   # built by this process on this connection, and only dropped below
        return table, known[table]
    prefix = [f"{_PREFIX}{name}_v"]
    existing = {r[0]: r[1] for r in con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?) UNION ALL "
        "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND starts_with(view_name, ?)", prefix * 2).fetchall()}
    if table not in existing:
        if _artifact(name) in {a.name for a in derived.artifacts()}:
            path = derived.ensure(store, _artifact(name), version)
            form = _FORMS.get(name, PARQUET)
            source = str(path / form).replace("'", "''")
            if form == PARQUET:
                con.execute(f"CREATE OR REPLACE TEMP VIEW \"{table}\" AS SELECT * FROM read_parquet('{source}')")
            else:
                con.execute(f"ATTACH IF NOT EXISTS '{source}' AS \"{table}_file\" (READ_ONLY)")
                con.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS SELECT * FROM "{table}_file".main.rows')
        else:
            sql = ibis.to_sql(build(), dialect="duckdb")
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS {sql}')
        for stale, kind in existing.items():   # copies from before a withdrawal are wrong now; other versions' stay
            if not stale.endswith(f"_w{withdrawals}"):
                con.execute(f'DROP {kind} IF EXISTS temp."{stale}"')
                con.execute(f'DETACH DATABASE IF EXISTS "{stale}_file"')   # a derived DuckDB file: let go
                known.pop(stale, None)
    known[table] = store.ibis.table(table, database="temp")
    return table, known[table]


# Arrow copies of temporary tables (and what a caller derived from them), per store and
# temporary table name: the name carries version and withdrawals, so a withdrawal makes
# the next call read the rebuilt table.
_ARROW: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


def materialized_arrow(snap: Any, name: str, build: Callable[[], ir.Table],
                       derive: Callable[[pa.Table], Any] = lambda t: t, known_withdrawals: int | None = None) -> Any | None:
    """`derive(rows)` of the rows of `materialized(snap, name, build)`, read into Arrow once
    per store, version and withdrawal count and kept in this process: for per-sample tables
    (a row per sample: attributes, dates) that statistics read as arrays. Never for tables
    with a row per alteration: every server worker would hold its own copy (those stay in
    DuckDB, read from the derived files the workers share).
    `known_withdrawals`: the count `withdrawals(snap)` gave the caller, so every table of
    one answer is read at the same count. None for snapshots `materialized` does not cache (the caller takes its
    SQL path)."""
    store, build = _cached_store(snap, name, build)
    if store is None:
        return None
    table, _ = _materialize(store, snap.version, name, build, known_withdrawals)
    kept = _ARROW.setdefault(store, {})
    if table not in kept:
        current = table.rsplit("_w", 1)[1]
        for stale in [k for k in kept if k.startswith(f"{_PREFIX}{name}_v") and k.rsplit("_w", 1)[1] != current]:
            del kept[stale]   # copies from before a withdrawal, of any version, as `_materialize` drops their tables
        kept[table] = derive(store.con.sql(f'SELECT * FROM temp."{table}"').to_arrow_table())
    return kept[table]


# Compiled SQL per store (weakly: it goes with the store), keyed by version, withdrawals
# and the caller's key. Only SQL text is kept, never a result.
_COMPILED: "weakref.WeakKeyDictionary[Any, dict[tuple[int, int, str], str]]" = weakref.WeakKeyDictionary()


def compiled_sql(snap: Any, key: str, build: Callable[[], ir.Table]) -> str | None:
    """The SQL of `build()` (an expression that depends only on the snapshot and `key`),
    compiled only the first time for this store, version and withdrawal count; None for a
    snapshot that is not the store's own rows on DuckDB (the caller runs the expression).

    Ibis needs 50–300 ms of Python to compile a cohort definition's expression, several
    times what DuckDB needs to run it; questions repeat definitions and their criteria, so
    the SQL is kept (only SQL text, never a result). A withdrawal changes the key: the
    temporary tables the SQL reads are rebuilt under new names and the SQL compiled again."""
    store = None if _changed(snap) else _store_of(snap)
    return None if store is None else _compiled(store, snap.version, key, build)


def run_sql(snap: Any, sql: str) -> pa.Table:
    """Run SQL made of `compiled_sql` parts on the snapshot's store connection."""
    return snap.store.con.sql(sql).to_arrow_table()


def _compiled(store: Any, version: int, key: str, build: Callable[[], ir.Table]) -> str:
    cache = _COMPILED.setdefault(store, {})
    k = (version, _withdrawals(store), key)
    sql = cache.get(k)
    if sql is None:
        sql = ibis.to_sql(build(), dialect="duckdb")
        while len(cache) >= _MAX_COMPILED:   # a long-running server sees many definitions: drop the oldest
            cache.pop(next(iter(cache)))
        cache[k] = sql
    return sql


_MEMBERS = "_onconode_members_placeholder_"
_MAX_COMPILED = 2000   # SQL texts kept per store (a few kB each)


def execute_with_members(snap: Any, key: str, build: Callable[[ir.Table], ir.Table], members: pa.Table | None) -> pa.Table:
    """Run `build(members)` (an expression that depends only on the snapshot and `key`) over
    an in-memory table of `members` (e.g. a cohort's samples), or `build(None)` without:
    compiled once (`compiled_sql`) against a placeholder table of the same schema, run
    with the members registered under a name of their own (concurrent questions on one
    connection never see each other's). A view that changes tables runs `build()` each
    time (its expression may hold in-memory mapping tables the SQL text cannot)."""
    store = None if _changed(snap) else _store_of(snap)
    if store is None:
        return build(ibis.memtable(members) if members is not None else None).to_pyarrow()
    schema = None if members is None else members.schema
    placeholder = None if members is None else ibis.table(ibis.Schema.from_pyarrow(members.schema), name=_MEMBERS)
    sql = _compiled(store, snap.version, f"{key}|{'' if schema is None else str(schema)}", lambda: build(placeholder))
    if members is None:
        return store.con.sql(sql).to_arrow_table()
    name = f"_onconode_members_{uuid.uuid4().hex}"
    store.con.register(name, members)
    try:
        return store.con.sql(sql.replace(f'"{_MEMBERS}"', f'"{name}"')).to_arrow_table()
    finally:
        store.con.unregister(name)
