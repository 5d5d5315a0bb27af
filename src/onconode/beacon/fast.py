"""The hot path: per-dataset counts of a position query (sequence or range, optionally with
bases) as one parameterised SQL statement.

Profiling showed building and compiling the general Ibis expression costs ~10x the query
itself on DuckDB; position queries are what networks and membership probes send most, so
they skip it. The SQL text is fixed (only `?` values come from the request) and the
versioned relations come from the store's own `relation_sql`. Anything else (filters,
gene or protein queries, path scopes, record pages) goes through search.py.
"""

from __future__ import annotations

from typing import Any

from onconode.beacon.positions import PositionIndex
from onconode.beacon.request import BeaconQuery
from onconode.beacon.search import MAX_REF_LENGTH, Scope, chromosome


def applies(q: BeaconQuery, scope: Scope) -> bool:
    v = q.variant
    others = (v.variant_type, v.min_length, v.max_length, v.gene_id, v.amino_acid_change, v.allele)
    sequence = len(v.start) == 1 and not v.end and v.alternate_bases is not None
    ranged = len(v.start) == 1 and len(v.end) == 1 and v.end[0] > v.start[0]
    assembly_ok = v.assembly_id is None or v.assembly_id.lower() in ("grch37", "hg19")
    return (bool(v.reference_name) and (sequence or ranged) and assembly_ok and all(o is None for o in others)
            and not q.filters and not q.dataset_ids and scope == Scope())


def _where(q: BeaconQuery) -> tuple[list[str], list[Any]]:
    v = q.variant
    where = ["chromosome = ?"]
    params: list[Any] = [chromosome(v.reference_name or "")]
    if not v.end:
        where.append("position = ?")
        params.append(v.start[0] + 1)
    else:
        where += ["position BETWEEN ? AND ?", "position - 1 < ?", "position - 1 + length(ref) > ?"]
        params += [max(v.start[0] + 1 - MAX_REF_LENGTH, 0), v.end[0], v.end[0], v.start[0]]
    for col, bases in (("ref", v.reference_bases), ("alt", v.alternate_bases)):
        if bases and bases != "N":
            where.append(f"{col} = ?")
            params.append(bases)
    return where, params


def variant_counts(snap: Any, q: BeaconQuery, index: PositionIndex | None = None) -> dict[str, int]:
    """Distinct matching variants per dataset (same semantics as search.matches), from the
    freeze's position index when there is one, else from the store."""
    if index is not None:
        return indexed_counts(index, q)
    where, params = _where(q)
    cond = " AND ".join(where)
    store, version = snap.store, snap.version
    rows = store.con.execute(
        f"SELECT p.dataset_id, count(DISTINCT (v.chromosome, v.position, v.ref, v.alt)) "
        f"FROM (SELECT * FROM ({store.relation_sql('somatic_variant', version)}) WHERE {cond}) v "
        f"JOIN ({store.relation_sql('sample', version)}) s USING (sample_id) "
        f"JOIN ({store.relation_sql('patient', version)}) p USING (patient_id) GROUP BY 1", params).fetchall()
    return {d: int(n) for d, n in rows}


def indexed_counts(index: PositionIndex, q: BeaconQuery) -> dict[str, int]:
    """The same counts as `_where` selects, from the position index (no store, no lock)."""
    v = q.variant
    bases = [b if b and b != "N" else None for b in (v.reference_bases, v.alternate_bases)]
    chrom = chromosome(v.reference_name or "")
    if not v.end:
        return index.counts(chrom, v.start[0] + 1, v.start[0] + 1, *bases)
    return index.counts(chrom, max(v.start[0] + 1 - MAX_REF_LENGTH, 0), v.end[0], *bases, overlaps=(v.start[0], v.end[0]))
