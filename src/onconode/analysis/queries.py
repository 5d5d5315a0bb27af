"""Representative cohort queries, written once as Ibis expressions.

Each takes a *snapshot* — anything with `.table(name) -> ibis.Table`: the store at a
freeze on DuckDB (`Store.snapshot`) or an exported freeze on PySpark
(`store.parquet.ParquetSnapshot`) — so the same question gives the same answer on one
machine or on a cluster. They return unexecuted expressions; callers (statistics,
disclosure control, the parity tests) decide how to run and present them.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from onconode.analysis import float_order
from onconode.analysis.alterations import passing_mutations   # the one mutation definition
from onconode.analysis.snapshot import Snapshot

TMB_HIGH_PER_MB = 10.0


def profiled_samples(snap: Snapshot, data_type: str) -> ir.Table:
    """Samples profiled for a data type ("mutations", "cna", "structural_variants"): the
    denominator of frequencies. An empty `profiled` means a whole genome, profiled for all."""
    tp = snap.table("tumor_profile")
    p = tp.profiled
    return tp.filter(p.isnull() | (p == "") | p.contains(data_type)).select("sample_id")


def samples_of_tumor_location(snap: Snapshot, tumor_location: str) -> ir.Table:
    s = snap.table("sample")
    return s.filter(s.primary_tumor_location == tumor_location).select("sample_id", "patient_id")


def alteration_frequency(snap: Snapshot, tumor_location: str) -> ir.Table:
    """Per gene: how many mutation-profiled samples of a tumour location carry a passing
    non-silent mutation in it, out of how many; most frequently altered genes first."""
    profiled = profiled_samples(snap, "mutations").semi_join(samples_of_tumor_location(snap, tumor_location), "sample_id")
    mutations = passing_mutations(snap).semi_join(profiled, "sample_id")
    per_gene = mutations.group_by("gene").aggregate(altered=mutations.sample_id.nunique())
    total = profiled.aggregate(profiled=profiled.count())
    joined = per_gene.cross_join(total)
    return joined.mutate(frequency=joined.altered / joined.profiled).order_by([ibis.desc("altered"), "gene"])


def cohort_count(snap: Snapshot, gene: str, tumor_location: str, mechanism: str) -> ir.Table:
    """Patients with a tumour of `tumor_location` carrying a passing mutation in `gene`
    who received a drug of `mechanism` (e.g. BRAF-mutant melanoma on a BRAF inhibitor).
    One row: patients, samples."""
    samples = samples_of_tumor_location(snap, tumor_location)
    m = passing_mutations(snap)
    mutated = samples.semi_join(m.filter(m.gene == gene), "sample_id")
    d = snap.table("treatment_drug")
    treated = d.filter(d.mechanism == mechanism).select("patient_id")
    cohort = mutated.semi_join(treated, "patient_id")
    return cohort.aggregate(patients=cohort.patient_id.nunique(), samples=cohort.sample_id.nunique())


def tmb_by_tumor_type(snap: Snapshot) -> ir.Table:
    """Tumour mutational burden per primary tumour location: samples with a TMB, mean,
    range, and how many are TMB-high (> 10 mutations/Mb)."""
    s = snap.table("sample")
    tp = snap.table("tumor_profile")
    j = s.join(tp, "sample_id").filter(lambda t: t.tmb_per_mb.notnull())
    return (
        j.group_by(location=j.primary_tumor_location)
        .aggregate(
            samples=j.sample_id.nunique(),
            mean_tmb=float_order.mean(j.tmb_per_mb),   # the same to the last bit in any row order
            min_tmb=j.tmb_per_mb.min(),
            max_tmb=j.tmb_per_mb.max(),
            tmb_high=(j.tmb_per_mb > TMB_HIGH_PER_MB).sum(),
        )
        .order_by("location")
    )


def variants_per_sample(snap: Snapshot, min_vaf: float = 0.3) -> ir.Table:
    """Somatic variants per sample with a variant allele fraction above `min_vaf`
    (clonal-ish variants); samples without any are not listed."""
    v = snap.table("somatic_variant")
    high = v.filter(v.vaf > min_vaf)
    return high.group_by("sample_id").aggregate(variants=high.count()).order_by("sample_id")
