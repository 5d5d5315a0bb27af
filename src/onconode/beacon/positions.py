"""A position index for the Beacon: per freeze, the distinct (chromosome, position, ref,
alt, dataset) of its somatic variants as sorted, memory-mapped arrays: a derived artifact
of the store (`store/derived.py`, named `beacon.positions`) in
`<home>/derived/beacon.positions/v<version>-w<withdrawals>/`.

Why a side index: the analytical store is versioned and laid out by sample (ingest
order), so a position lookup scans every row; a freeze never changes, so its sorted copy
stays right, and the node server keeps the store read-only. Why plain arrays and not a
DuckDB table with an ART index (the first version): at 100M variants every DuckDB query
cost ~1 ms of planning and a connection that one thread may use at a time, while a binary
search (numpy.searchsorted) on a memory-mapped array costs microseconds, needs no lock,
and the pages are shared by every server process through the OS page cache.

Layout (rows sorted by chromosome, position, ref, alt, dataset; no duplicate rows):
`position.u32`, `ref.u32`, `alt.u32` (allele ids), `dataset.u16`; `alleles.bin` and
`alleles.off` (the alleles, sorted bytewise, id = rank); `meta.json` (per chromosome its
row range, the datasets, the store version and withdrawals it was built from).

Built by `onconode beacon index` (after `onconode freeze create`), once across processes;
the Beacon uses it when it is built for the store's current key (a withdrawal changes the
key and the registry deletes the old index: the Beacon then answers from the store until
the index is rebuilt).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import mmap
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from onconode.store import Store, derived
from onconode.store.store import duckdb_settings

FORMAT = 2
MAX_POSITION = 2**32 - 1
SMALL = 64  # rows up to which a lookup counts in Python rather than with numpy masks
COLUMNS = {"position": np.uint32, "ref": np.uint32, "alt": np.uint32, "dataset": np.uint16}


NAME = "beacon.positions"


def index_of(store: Store, freeze: str) -> Path | None:
    """The folder of the freeze's index built for the store's current key, or None."""
    return derived.find(store, NAME, store.resolve(freeze))


def build(home: Path, freeze: str | None = None) -> tuple[str, Path, int]:
    """The index of `freeze` (default: the latest), built now unless it is built for the
    store's current key already; returns (freeze, path, rows indexed)."""
    with Store.open(Path(home), read_only=True) as store:
        freezes = store.freezes()
        if not freezes:
            raise ValueError(f"no freeze in {home}: the Beacon indexes a freeze; create one with `onconode freeze create NAME`")
        freeze = freeze or freezes[-1].freeze_id
        path = derived.ensure(store, NAME, store.resolve(freeze))
    return freeze, path, json.loads((path / "meta.json").read_text())["rows"]


def _build(store: Store, key: derived.Key, tmp: Path, memory_limit: str = "4GB") -> None:
    """The registry's builder: the index of `key.version` into `tmp` (moved into place by
    the registry when complete); the store is only read, on a cursor of its own."""
    t0, version = time.perf_counter(), key.version
    sql = {t: store.relation_sql(t, version) for t in ("somatic_variant", "sample", "patient")}
    con = store.con.cursor()
    try:
        with duckdb_settings(con, {"memory_limit": memory_limit}):
            alleles, chroms, datasets, per_chrom = _write_columns(con, sql, tmp)
    finally:
        con.close()
    blobs = [a.encode() for a in alleles]
    (tmp / "alleles.bin").write_bytes(b"".join(blobs))
    np.concatenate([[0], np.cumsum([len(b) for b in blobs], dtype=np.uint64)]).astype(np.uint64).tofile(tmp / "alleles.off")
    ends = np.cumsum(per_chrom)
    meta = {"format": FORMAT, "version": version, "withdrawals": key.withdrawals,
            "rows": int(ends[-1]) if len(ends) else 0, "datasets": datasets,
            "chromosomes": {c: [int(e - n), int(e)] for c, n, e in zip(chroms, per_chrom, ends)},
            "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - t0, 1)}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")


def _write_columns(con: Any, sql: dict[str, str], tmp: Path) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """The sorted distinct positions as column files in `tmp`; returns the alleles,
    chromosomes, datasets and rows per chromosome the meta file describes."""
    v = (f"(SELECT v.chromosome, v.position, v.ref, v.alt, p.dataset_id FROM ({sql['somatic_variant']}) v "
         f"JOIN ({sql['sample']}) s USING (sample_id) JOIN ({sql['patient']}) p USING (patient_id)) v")
    bad = con.execute(f"SELECT count(*) FROM ({sql['somatic_variant']}) WHERE position < 1 OR position > ?",
                      [MAX_POSITION]).fetchone()[0]
    if bad:
        raise ValueError(f"{bad} variants have a position outside 1..{MAX_POSITION}; fix the store before indexing")
    alleles = sorted((a for (a,) in con.execute(f"SELECT ref FROM ({sql['somatic_variant']}) UNION "
                                                 f"SELECT alt FROM ({sql['somatic_variant']})").fetchall()),
                     key=lambda a: a.encode())
    chroms = sorted(r[0] for r in con.execute(f"SELECT DISTINCT chromosome FROM ({sql['somatic_variant']})").fetchall())
    datasets = sorted(r[0] for r in con.execute(f"SELECT DISTINCT dataset_id FROM ({sql['patient']})").fetchall())
    if len(datasets) > np.iinfo(np.uint16).max:
        raise ValueError(f"{len(datasets)} datasets: the position index holds at most 65,535")
    for name, values in (("allele_id", alleles), ("chrom_id", chroms), ("dataset_id_", datasets)):
        con.register(name, pa.table({"value": pa.array(values, pa.string()), "id": pa.array(range(len(values)), pa.int32())}))
    reader = con.sql(
        f"SELECT DISTINCT c.id AS chrom, v.position, r.id AS ref, a.id AS alt, d.id AS dataset FROM {v} "
        "JOIN chrom_id c ON v.chromosome = c.value JOIN allele_id r ON v.ref = r.value "
        "JOIN allele_id a ON v.alt = a.value JOIN dataset_id_ d ON v.dataset_id = d.value "
        "ORDER BY chrom, v.position, ref, alt, dataset").to_arrow_reader(1 << 21)
    per_chrom = np.zeros(len(chroms), dtype=np.int64)
    files = {c: open(tmp / f"{c}.{np.dtype(t).str[1:]}", "wb") for c, t in COLUMNS.items()}
    try:
        for batch in reader:
            per_chrom += np.bincount(batch.column("chrom").to_numpy(), minlength=len(chroms))
            for col, dtype in COLUMNS.items():
                batch.column(col).to_numpy().astype(dtype).tofile(files[col])
    finally:
        for f in files.values():
            f.close()
    return alleles, chroms, datasets, per_chrom


derived.register(derived.Artifact(NAME, ("somatic_variant", "sample", "patient"), _build,
                                  "a freeze's distinct variant positions per dataset, for the Beacon",
                                  prebuild=(derived.LATEST_FREEZE,)))


def _column(path: Path, col: str) -> np.ndarray:
    """A column mapped read-only as a plain ndarray (slicing a np.memmap subclass costs
    several microseconds more per slice, and a query takes several slices)."""
    dtype = np.dtype(COLUMNS[col])
    with open(path / f"{col}.{dtype.str[1:]}", "rb") as f:
        if not os.fstat(f.fileno()).st_size:
            return np.zeros(0, dtype)
        return np.frombuffer(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), dtype=dtype)


class PositionIndex:
    """One freeze's index, memory-mapped read-only; safe to query from many threads at
    once (nothing is written after opening)."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not (path / "meta.json").exists():
            raise ValueError(f"{path} is not a Beacon position index (rebuild it with `onconode beacon index`)")
        self.meta: dict[str, Any] = json.loads((path / "meta.json").read_text())
        if self.meta.get("format") != FORMAT:
            raise ValueError(f"{path} has index format {self.meta.get('format')}, this version reads {FORMAT}: "
                             "rebuild it with `onconode beacon index`")
        self.path = path
        self.datasets: list[str] = self.meta["datasets"]
        self.chromosomes: dict[str, tuple[int, int]] = {c: (lo, hi) for c, (lo, hi) in self.meta["chromosomes"].items()}
        self.position, self.ref, self.alt, self.dataset = (_column(path, c) for c in COLUMNS)
        self._blob = (path / "alleles.bin").read_bytes()
        self._off = np.fromfile(path / "alleles.off", dtype=np.uint64).astype(np.int64)
        self._ref_length = np.diff(self._off)
        self._alleles = range(len(self._off) - 1)

    def allele_id(self, bases: str) -> int | None:
        """The id of an allele, or None if no variant of the freeze has it."""
        target, blob, off = bases.encode(), self._blob, self._off
        i = bisect.bisect_left(self._alleles, target, key=lambda k: blob[off[k]:off[k + 1]])
        return i if i < len(self._alleles) and blob[off[i]:off[i + 1]] == target else None

    def counts(self, chromosome: str, first: int, last: int, ref: str | None = None, alt: str | None = None,
               overlaps: tuple[int, int] | None = None) -> dict[str, int]:
        """Distinct (position, ref, alt) per dataset on `chromosome` with VCF position in
        [first, last], the given alleles (None: any), and, with `overlaps=(start, end)`
        (0-based, half-open), a reference allele overlapping that interval."""
        lo, hi = self.chromosomes.get(chromosome, (0, 0))
        first = max(first, 0)
        if hi <= lo or last < first or first > MAX_POSITION:
            return {}
        pos = self.position[lo:hi]
        # the bounds as uint32: a Python int would make numpy convert the whole slice first (ms, not µs)
        a = lo + int(pos.searchsorted(np.uint32(first), "left"))
        b = lo + int(pos.searchsorted(np.uint32(min(last, MAX_POSITION)), "right"))
        if b <= a:
            return {}
        ids = []
        for bases in (ref, alt):
            ids.append(None if bases is None else self.allele_id(bases))
            if bases is not None and ids[-1] is None:
                return {}
        if overlaps is None and b - a <= SMALL:  # a sequence query: a few rows, plain Python beats numpy's per-call cost
            n: dict[int, int] = {}
            for r, al, d in zip(self.ref[a:b].tolist(), self.alt[a:b].tolist(), self.dataset[a:b].tolist()):
                if (ids[0] is None or r == ids[0]) and (ids[1] is None or al == ids[1]):
                    n[d] = n.get(d, 0) + 1
            return {self.datasets[d]: n[d] for d in sorted(n)}
        mask = np.ones(b - a, dtype=bool)
        for column, i in ((self.ref, ids[0]), (self.alt, ids[1])):
            if i is not None:
                mask &= column[a:b] == i
        if overlaps is not None:
            start, end = overlaps
            p = self.position[a:b].astype(np.int64)
            mask &= (p - 1 < end) & (p - 1 + self._ref_length[self.ref[a:b]] > start)
        counts = np.bincount(self.dataset[a:b][mask], minlength=len(self.datasets))
        return {self.datasets[d]: int(c) for d, c in enumerate(counts) if c}
