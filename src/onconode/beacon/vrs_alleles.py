"""The GA4GH VRS 2.0 identifier of every stored small variant, per store version: a derived
artifact (`store/derived.py`, named `variants.vrs`) in
`<home>/derived/variants.vrs/v<version>-w<withdrawals>/alleles.parquet`.

Why a derived table and not a column written at ingest: the identifier is a pure function
of (reference genome, chromosome, position, ref, alt) and of the shipped digest table, so
it is computed once per version for the distinct variants (far fewer than rows), can be
recomputed when the table gains a contig, and needs no change to `somatic_variant`.
Exports and federated answers join it on those five columns; the Beacon computes the few
identifiers of a page directly with the same function (`model/vrs.py`).

Columns: `ref_genome` (the sample's, from `tumor_profile`; empty when unknown), `chromosome`, `position`, `ref`, `alt` (as stored), `vrs_id`
(`ga4gh:VA.…` or null) and `vrs_note` (null, or why there is no identifier).
"""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from onconode.model import vrs
from onconode.store import Store, derived

NAME = "variants.vrs"
FILE = "alleles.parquet"
BATCH = 1 << 16
SCHEMA = pa.schema([("ref_genome", pa.string()), ("chromosome", pa.string()), ("position", pa.int64()),
                    ("ref", pa.string()), ("alt", pa.string()), ("vrs_id", pa.string()), ("vrs_note", pa.string())])


def table_path(store: Store, version: int | None = None) -> Path:
    """The identifiers of `version` (default: the current one), built now if missing."""
    return derived.ensure(store, NAME, version) / FILE


def build(home: Path, freeze: str | None = None) -> tuple[str, Path, dict[str, int]]:
    """The identifiers of `freeze` (default: the latest), built now unless built for the
    store's current key; returns (freeze, path, distinct variants per outcome: "identified"
    or the reason for no identifier)."""
    with Store.open(Path(home), read_only=True) as store:
        freezes = store.freezes()
        if not freezes:
            raise ValueError(f"no freeze in {home}: create one with `onconode freeze create NAME`")
        freeze = freeze or freezes[-1].freeze_id
        path = table_path(store, store.resolve(freeze))
        rows = store.con.execute("SELECT coalesce(vrs_note, 'identified'), count(*) FROM read_parquet(?) GROUP BY 1 "
                                 "ORDER BY 2 DESC", [str(path)]).fetchall()
    return freeze, path, {note: int(n) for note, n in rows}


def _build(store: Store, key: derived.Key, tmp: Path) -> None:
    """The registry's builder: distinct variants of `key.version` with their identifiers."""
    t0 = time.perf_counter()
    v, s = store.relation_sql("somatic_variant", key.version), store.relation_sql("tumor_profile", key.version)
    con = store.con.cursor()
    try:
        reader = con.sql(f"SELECT DISTINCT coalesce(s.ref_genome, '') AS ref_genome, v.chromosome, v.position::BIGINT AS position, v.ref, v.alt "
                         f"FROM ({v}) v LEFT JOIN ({s}) s USING (sample_id) "
                         "ORDER BY ref_genome, v.chromosome, position, v.ref, v.alt").to_arrow_reader(BATCH)
        with pq.ParquetWriter(tmp / FILE, SCHEMA) as out:
            for batch in reader:
                cols = batch.to_pydict()
                got = [vrs.allele_id(*row) for row in zip(cols["ref_genome"], cols["chromosome"], cols["position"],
                                                           cols["ref"], cols["alt"])]
                out.write_table(pa.table({**cols, "vrs_id": [g.id for g in got], "vrs_note": [g.reason for g in got]},
                                         schema=SCHEMA))
    finally:
        con.close()
    (tmp / "seconds").write_text(f"{time.perf_counter() - t0:.3f}\n")


derived.register(derived.Artifact(NAME, ("somatic_variant", "tumor_profile"), _build,
                                  "the GA4GH VRS 2.0 identifier of every distinct stored small variant"))
