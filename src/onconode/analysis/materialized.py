"""Selections every analysis starts from, computed once per store snapshot.

At Hartwig scale the somatic variant table holds ~100 million rows, of which analyses
only ever count the ~1 % that are passing, non-silent mutations in a gene. Filtering the
whole table again in every query costs seconds (a full scan of five string columns);
keeping the selection costs a few MB. So the first analysis on a store snapshot
materialises it into a DuckDB *temporary* table of the store's connection — in memory,
private to the process, possible on a read-only store, never written to the store file
— and every later query of that snapshot reads the small table.

A snapshot's rows never change, with one exception: consent withdrawal deletes a
patient's rows from every version. The table's name therefore carries the version *and*
the number of withdrawals recorded, so a withdrawal since it was built makes the next
query build a fresh one (and drop the stale one).

Snapshots that are not on a DuckDB store (an exported freeze on PySpark) get the plain
expression: their engine decides how to run it.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import ibis
import ibis.expr.types as ir

_PREFIX = "_onconode_cache_"


def _store_of(snap: Any) -> Any | None:
    store = getattr(snap, "store", None)
    if store is None or not hasattr(store, "con") or not isinstance(getattr(snap, "version", None), int):
        return None
    return store


def materialized(snap: Any, name: str, build: Callable[[], ir.Table]) -> ir.Table:
    """`build()` for this snapshot, as a temporary table built on first use.

    `name` identifies the selection (letters, digits, underscores); the caller promises
    that `build()` depends only on the snapshot's rows."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"materialized selection name {name!r} must be lower-case letters, digits or underscores")
    store = _store_of(snap)
    if store is None:
        return build()
    con = store.con
    withdrawals = int(con.execute("SELECT count(*) FROM withdrawal").fetchone()[0])
    table = f"{_PREFIX}{name}_v{snap.version}_w{withdrawals}"
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?)", [f"{_PREFIX}{name}_"]).fetchall()}
    if table not in existing:
        sql = ibis.to_sql(build(), dialect="duckdb")
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS {sql}')
        for stale in existing:   # copies from before a withdrawal are wrong now; other versions' stay
            if not stale.endswith(f"_w{withdrawals}"):
                con.execute(f'DROP TABLE IF EXISTS temp."{stale}"')
    return store.ibis.table(table, database="temp")
