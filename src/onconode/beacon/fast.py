"""The hot path: per-dataset counts of a position query (sequence or range, optionally with
bases) from the freeze's position index (positions.py), with no store and no lock.

Position queries are what networks and membership probes send most; building and
compiling the general Ibis expression costs ~10x the query itself, and an index lookup
costs microseconds. There is one position-query path: the index when it is built for
the served freeze (whoever asks: the anonymous lane, the route, the service), else the
general query (search.py), which also answers everything else (filters, gene or protein
queries, path scopes, record pages, copy-number and structural variants). A second
hand-written SQL statement for position counts without an index is gone: the index is
built by a job after every freeze, and the general query gives the same counts meanwhile.
"""

from __future__ import annotations

from onconode.beacon.positions import PositionIndex
from onconode.beacon.request import BeaconQuery
from onconode.beacon.search import MAX_REF_LENGTH, Scope, chromosome


def applies(q: BeaconQuery, scope: Scope) -> bool:
    """Whether the position index can answer `q`: a plain sequence or range query."""
    v = q.variant
    others = (v.variant_type, v.min_length, v.max_length, v.gene_id, v.amino_acid_change, v.allele)
    sequence = len(v.start) == 1 and not v.end and v.alternate_bases is not None
    ranged = len(v.start) == 1 and len(v.end) == 1 and v.end[0] > v.start[0]
    assembly_ok = v.assembly_id is None or v.assembly_id.lower() in ("grch37", "hg19")
    return (bool(v.reference_name) and (sequence or ranged) and assembly_ok and all(o is None for o in others)
            and not q.filters and not q.dataset_ids and scope == Scope())


def indexed_counts(index: PositionIndex, q: BeaconQuery) -> dict[str, int]:
    """Distinct matching variants per dataset, the same counts as search.matches gives for
    the query (`applies`), from the position index (no store, no lock)."""
    v = q.variant
    bases = [b if b and b != "N" else None for b in (v.reference_bases, v.alternate_bases)]
    chrom = chromosome(v.reference_name or "")
    if not v.end:
        return index.counts(chrom, v.start[0] + 1, v.start[0] + 1, *bases)
    return index.counts(chrom, max(v.start[0] + 1 - MAX_REF_LENGTH, 0), v.end[0], *bases, overlaps=(v.start[0], v.end[0]))
