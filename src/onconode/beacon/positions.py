"""A position index for the Beacon: per freeze, the variants' (chromosome, position, ref,
alt, dataset) sorted by position with an ART index on (chromosome, position), in its own
DuckDB file `<home>/beacon/positions-<freeze>.duckdb`.

Why a side file: the analytical store is versioned and laid out by sample (ingest order),
so a position lookup scans every row; a freeze never changes, so its sorted copy stays
right, and the node server keeps the store read-only. Built by `onconode beacon index`
(after `onconode freeze create`); the Beacon uses it when present, the store otherwise.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb


def index_path(home: Path, freeze: str) -> Path:
    return Path(home) / "beacon" / f"positions-{freeze}.duckdb"


def build(home: Path, freeze: str | None = None) -> tuple[str, Path, int]:
    """Build (or rebuild) the index of `freeze` (default: the latest); returns
    (freeze, path, variants indexed)."""
    from onconode.store import Store

    home = Path(home)
    with Store.open(home, read_only=True) as store:
        freezes = store.freezes()
        if not freezes:
            raise ValueError(f"no freeze in {home}: the Beacon indexes a freeze; create one with `onconode freeze create NAME`")
        freeze = freeze or freezes[-1].freeze_id
        version = store.resolve(freeze)
        sql = {t: store.relation_sql(t, version) for t in ("somatic_variant", "sample", "patient")}
    path = index_path(home, freeze)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("ATTACH ? AS s (READ_ONLY)", [str(home / "store.duckdb")])
        con.execute("USE s")
        con.execute(
            f"CREATE TABLE {_q(tmp)}.main.variant AS SELECT v.chromosome, v.position, v.ref, v.alt, p.dataset_id "
            f"FROM ({sql['somatic_variant']}) v JOIN ({sql['sample']}) s USING (sample_id) "
            f"JOIN ({sql['patient']}) p USING (patient_id) ORDER BY v.chromosome, v.position")
        con.execute(f"USE {_q(tmp)}")
        con.execute("CREATE INDEX variant_position ON variant (chromosome, position)")
        n = int(con.execute("SELECT count(*) FROM variant").fetchone()[0])
    finally:
        con.close()
    tmp.replace(path)
    return freeze, path, n


def _q(path: Path) -> str:
    """The catalog name DuckDB gives a database file (its stem), quoted."""
    return '"' + path.stem.replace('"', '""') + '"'


class PositionIndex:
    """A read-only connection to one freeze's index (one query at a time)."""

    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect(str(path), read_only=True)
        self.lock = threading.Lock()

    def execute(self, sql: str, params: list[Any]) -> list[tuple]:
        with self.lock:
            return self.con.execute(sql, params).fetchall()
