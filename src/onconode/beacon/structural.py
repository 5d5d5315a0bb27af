"""Copy-number and structural variants as Beacon genomic variants: one relation of
*events* (one row per place a variant can be found at) built from the model's PURPLE and
LINX tables, which search.py filters with the same coordinate, gene and path-scope rules
as small variants, so granularity, budgets and disclosure stay those of service.py.

Sources and the Beacon variant classes they give (query terms: `TERMS`):

- PURPLE `gene_copy_number` and the driver catalogue, gene-level and by the model's own
  definitions (analysis/alterations.py): a discrete AMP call (min exonic copy number
  above 3 × ploidy) or a somatic driver AMP / PARTIAL_AMP → EFO:0030072 high-level gain;
  a HOMDEL call (min copy number below 0.5) or a driver DEL → EFO:0030069 complete
  genomic loss. Placed at the gene (its canonical transcript's row), geneId = the gene.
- PURPLE `copy_number_segment`, by the same thresholds (model/copy_number.py) relative to
  the sample's ploidy (half of it on X and Y of a male genome, whose one copy is no loss):
  below 0.5 → complete genomic loss, above 3 × ploidy → high-level gain, below 0.75 ×
  baseline → EFO:0030068 low-level loss, above 1.25 × → EFO:0030071 low-level gain.
  Copy-neutral segments are no variant.
- LINX `structural_variant`: DEL, DUP, INV, INS spanning start to end breakend on one
  chromosome; BND (and single / inferred breakends, SGL / INF) found at either breakend.
- LINX `fusion` (reported, or reporting unknown: the model's fusion events), located at
  its 5' and 3' breakends (`sv_breakend` → its SV) → SO:0001565 gene fusion; geneId is
  either partner, or the pair as `FIVE::THREE` (HGNC fusion notation).

Each variant's identity (`variant_id`, the Beacon `variantInternalId`) is built from the
store's 1-based coordinates like a small variant's, but its fourth part is the end
coordinate (digits), never bases: `GRCh37-17-37844167-37886679-EFO:0030072-ERBB2`.

The relation is a derived artifact (`analysis.beacon_structural_events`: Parquet under
`<home>/derived/`, analysis/materialized.py `selection`), built by a job after every publish
for the current version and the latest freeze, shared by every server process, dropped
when a withdrawal makes it stale.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from onconode.analysis.materialized import materialized, selection
from onconode.model import copy_number as cn

ASSEMBLY = "GRCh37"
COMPLETE_LOSS, HIGH_LOSS, LOW_LOSS, LOSS = "EFO:0030069", "EFO:0020073", "EFO:0030068", "EFO:0030067"
GAIN, LOW_GAIN, HIGH_GAIN = "EFO:0030070", "EFO:0030071", "EFO:0030072"
FUSION = "SO:0001565"
LABELS = {COMPLETE_LOSS: "complete genomic loss", HIGH_LOSS: "high-level loss", LOW_LOSS: "low-level loss",
          LOSS: "copy number loss", GAIN: "copy number gain", LOW_GAIN: "low-level gain", HIGH_GAIN: "high-level gain",
          FUSION: "gene fusion", "DEL": "deletion", "DUP": "duplication", "INV": "inversion", "INS": "insertion",
          "BND": "breakend"}
LOSSES = (LOW_LOSS, COMPLETE_LOSS)
GAINS = (LOW_GAIN, HIGH_GAIN)
COPY_NUMBER = LOSSES + GAINS
SPANS = ("DEL", "DUP", "INV", "INS")
ALL: tuple[str, ...] = COPY_NUMBER + SPANS + ("BND", FUSION)

# A query's variantType (upper-cased) → the classes it finds. DEL / DUP are the spec's
# basic CNV types too (a deletion or a copy loss; a duplication or a copy gain), as
# Progenetix answers them; EFO copy-number terms include their narrower terms (loss ⊃
# low-level and high-level loss ⊃ complete genomic loss; gain ⊃ low- and high-level gain).
TERMS: dict[str, tuple[str, ...]] = {
    "DEL": ("DEL",) + LOSSES, "DUP": ("DUP",) + GAINS, "INV": ("INV",), "INS": ("INS",), "BND": ("BND",),
    "CNV": COPY_NUMBER, "SO:0001019": COPY_NUMBER,
    LOSS: LOSSES, HIGH_LOSS: (COMPLETE_LOSS,), COMPLETE_LOSS: (COMPLETE_LOSS,), LOW_LOSS: (LOW_LOSS,),
    GAIN: GAINS, LOW_GAIN: (LOW_GAIN,), HIGH_GAIN: (HIGH_GAIN,),
    "SO:0001743": LOSSES, "SO:0001742": GAINS,  # copy_number_loss, copy_number_gain
    "SO:0000159": ("DEL",), "SO:1000035": ("DUP",), "SO:1000036": ("INV",), "SO:0000667": ("INS",),
    "SO:0000199": ("BND",), FUSION: (FUSION,),  # deletion, duplication, inversion, insertion, translocation
}
COLUMNS = {"sample_id": "string", "variant_id": "string", "variant_class": "string", "chromosome": "string",
           "start": "int64", "end": "int64", "mate_chromosome": "string", "mate_position": "int64", "gene": "string",
           "partner": "string", "length": "int64", "at_chromosome": "string", "at_start": "int64", "at_end": "int64"}
RECORD_COLUMNS = ("variant_id", "variant_class", "chromosome", "start", "end", "mate_chromosome", "mate_position",
                  "gene", "partner")


def classes(term: str) -> tuple[str, ...] | None:
    """The classes a variantType finds (None: not a copy-number or structural term)."""
    return TERMS.get(term.strip().upper())


def is_id(variant_id: str) -> bool:
    """Whether a variantInternalId names a copy-number or structural variant (its fourth
    part, the end coordinate, is digits; a small variant's is bases)."""
    parts = variant_id.split("-")
    return len(parts) >= 5 and parts[0] == ASSEMBLY and parts[2].isdigit() and parts[3].isdigit()


def _s(v: Any) -> ir.StringValue:
    return v.cast("string")


def _row(t: ir.Table, cls: Any, chrom: Any, start1: Any, end1: Any, *, gene: Any = None, partner: Any = None,
         mate: tuple[Any, Any] | None = None, at: tuple[Any, Any, Any] | None = None, suffix: Any = None) -> ir.Table:
    """Event rows in `COLUMNS` form: a variant on [start1, end1] (1-based, inclusive),
    found at `at` = (chromosome, start1, end1) (default: where it is)."""
    null_s, null_i = ibis.null().cast("string"), ibis.null().cast("int64")
    vid = ibis.literal(f"{ASSEMBLY}-") + chrom + "-" + _s(start1) + "-" + _s(end1) + "-" + cls
    if mate is not None:
        vid = vid + "-" + mate[0] + ":" + _s(mate[1])
    if suffix is not None:
        vid = vid + "-" + suffix
    at_chrom, at_start1, at_end1 = at if at is not None else (chrom, start1, end1)
    spanned = cls.isin(list(COPY_NUMBER + SPANS)) if mate is None else ibis.literal(False)
    return t.select(
        sample_id=t.sample_id.cast("string"), variant_id=vid, variant_class=cls.cast("string"), chromosome=chrom.cast("string"),
        start=(start1 - 1).cast("int64"), end=end1.cast("int64"),
        mate_chromosome=mate[0].cast("string") if mate is not None else null_s,
        mate_position=mate[1].cast("int64") if mate is not None else null_i,
        gene=gene.cast("string") if gene is not None else null_s, partner=partner.cast("string") if partner is not None else null_s,
        length=ibis.ifelse(spanned, (end1 - start1 + 1).cast("int64"), null_i),
        at_chromosome=at_chrom.cast("string"), at_start=(at_start1 - 1).cast("int64"), at_end=at_end1.cast("int64"))


def _gene_level(snap: Any) -> ir.Table:
    """Amplified and deeply deleted genes (discrete calls and the driver catalogue)."""
    g = snap.table("gene_copy_number")
    placed = g.filter(g.chromosome.notnull(), g.start.notnull(), g.end.notnull())
    calls = placed.filter(placed.cna_call.isin(["AMP", "HOMDEL"]))
    calls = calls.mutate(_cls=ibis.ifelse(calls.cna_call == "AMP", HIGH_GAIN, COMPLETE_LOSS))
    d = snap.table("driver")
    d = d.filter(d.driver.isin(["AMP", "PARTIAL_AMP", "DEL"]), ~d.germline.fill_null(False))
    canonical = placed.filter(placed.is_canonical.fill_null(True))
    canonical = canonical.select(_sid=canonical.sample_id, _gene=canonical.gene, _chrom=canonical.chromosome,
                                 _start=canonical.start, _end=canonical.end)
    drivers = d.join(canonical, [d.sample_id == canonical._sid, d.gene == canonical._gene])
    drivers = drivers.select(sample_id=drivers.sample_id, gene=drivers.gene, chromosome=drivers._chrom,
                             start=drivers._start, end=drivers._end,
                             _cls=ibis.ifelse(drivers.driver == "DEL", COMPLETE_LOSS, HIGH_GAIN))
    parts = [calls.select("sample_id", "gene", "chromosome", "start", "end", "_cls"), drivers]
    both = parts[0].union(parts[1]).distinct()
    return _row(both, both._cls, both.chromosome, both.start, both.end, gene=both.gene, suffix=both.gene)


def _segments(snap: Any) -> ir.Table:
    """Copy-number segments that are not copy-neutral, classed against the ploidy."""
    s = snap.table("copy_number_segment")
    tp = snap.table("tumor_profile").select("sample_id", "ploidy", "gender")
    j = s.join(tp, "sample_id", how="left")
    one_copy = (j.gender == "MALE") & j.chromosome.isin(["X", "Y"])
    baseline = ibis.ifelse(one_copy.fill_null(False), j.ploidy / 2, j.ploidy)
    c = j.copy_number
    has_ploidy = j.ploidy.notnull() & (j.ploidy > 0)
    cls = ibis.cases(
        (c < cn.DEEP_DELETION_BELOW, COMPLETE_LOSS),
        (has_ploidy & (c > cn.AMPLIFICATION_PLOIDY_FACTOR * j.ploidy), HIGH_GAIN),
        (has_ploidy & (c < cn.LOSS_RELATIVE_BELOW * baseline), LOW_LOSS),
        (has_ploidy & (c > cn.GAIN_RELATIVE_ABOVE * baseline), LOW_GAIN),
        else_=ibis.null().cast("string"))
    j = j.mutate(_cls=cls)
    j = j.filter(j._cls.notnull(), j.copy_number.notnull())
    return _row(j, j._cls, j.chromosome, j.start, j.end)


def _structural_variants(snap: Any) -> ir.Table:
    """LINX SVs: spans on one chromosome, and breakends found at either end."""
    sv = snap.table("structural_variant")
    sv = sv.filter(sv.start_chromosome.notnull(), sv.start_position.notnull())
    same = sv.end_chromosome.notnull() & (sv.end_chromosome == sv.start_chromosome) & (sv.end_position >= sv.start_position)
    spans = sv.filter(sv.type.isin(list(SPANS)), same)
    out = _row(spans, spans.type, spans.start_chromosome, spans.start_position, spans.end_position,
               gene=spans.start_gene, partner=spans.end_gene)
    ends = sv.filter(~(sv.type.isin(list(SPANS)) & same))
    paired = ends.filter(ends.end_chromosome.notnull(), ends.end_position.notnull())
    single = ends.filter(ends.end_chromosome.isnull() | ends.end_position.isnull())
    bnd = ibis.literal("BND")
    for at in ((paired.start_chromosome, paired.start_position), (paired.end_chromosome, paired.end_position)):
        out = out.union(_row(paired, bnd, paired.start_chromosome, paired.start_position, paired.start_position,
                             gene=paired.start_gene, partner=paired.end_gene,
                             mate=(paired.end_chromosome, paired.end_position), at=(at[0], at[1], at[1])))
    return out.union(_row(single, bnd, single.start_chromosome, single.start_position, single.start_position,
                          gene=single.start_gene))


def _fusions(snap: Any) -> ir.Table:
    """Fusions located at their two breakends (the breakend's own coordinates, else its SV's end)."""
    be, sv = snap.table("sv_breakend"), snap.table("structural_variant")
    j = be.join(sv, [be.sample_id == sv.sample_id, be.sv_id == sv.sv_id])
    start = j.is_start.fill_null(True)
    ends = j.select(sample_id=j.sample_id, breakend_id=j.breakend_id,
                    chrom=j.chromosome.fill_null(ibis.ifelse(start, j.start_chromosome, j.end_chromosome)),
                    pos=j.position.fill_null(ibis.ifelse(start, j.start_position, j.end_position)))
    ends = ends.filter(ends.chrom.notnull(), ends.pos.notnull())
    five = ends.select(_s5=ends.sample_id, _b5=ends.breakend_id, c5=ends.chrom, p5=ends.pos)
    three = ends.select(_s3=ends.sample_id, _b3=ends.breakend_id, c3=ends.chrom, p3=ends.pos)
    f = snap.table("fusion")
    f = f.filter(f.reported.fill_null(True))
    f = f.join(five, [f.sample_id == five._s5, f.five_prime_breakend_id == five._b5])
    f = f.join(three, [f.sample_id == three._s3, f.three_prime_breakend_id == three._b3])
    pair = f.five_prime_gene + "::" + f.three_prime_gene
    cls = ibis.literal(FUSION)
    rows = [_row(f, cls, f.c5, f.p5, f.p5, gene=f.five_prime_gene, partner=f.three_prime_gene, mate=(f.c3, f.p3),
                 at=at, suffix=pair) for at in ((f.c5, f.p5, f.p5), (f.c3, f.p3, f.p3))]
    return rows[0].union(rows[1])


def _events(snap: Any) -> ir.Table:
    out = _gene_level(snap)
    for part in (_segments(snap), _structural_variants(snap), _fusions(snap)):
        out = out.union(part)
    return out.distinct()


NAME = "beacon_structural_events"
ARTIFACT = f"analysis.{NAME}"  # the registry's name of a `selection`
READS = ("gene_copy_number", "driver", "copy_number_segment", "tumor_profile", "structural_variant", "sv_breakend", "fusion")
selection(NAME, READS, _events, prebuild=True)


def events(snap: Any) -> ir.Table:
    """Every copy-number and structural event of the snapshot (`COLUMNS`)."""
    return materialized(snap, NAME, lambda: _events(snap))


def record(row: dict[str, Any], location: Any) -> dict[str, Any]:
    """A genomicVariation record: copy-number changes as VRS CopyNumberChange (EFO copy
    change), SVs and fusions as a LegacyVariation with their variantType (bases unknown:
    `N`); genes in molecularAttributes; `location(chromosome, start0, end0)` makes the
    VRS SequenceLocation small variants use."""
    cls, chrom = row["variant_class"], row["chromosome"]
    where = location(chrom, int(row["start"]), int(row["end"]))
    if cls in COPY_NUMBER:
        variation: dict[str, Any] = {"type": "CopyNumberChange", "copy_change": cls.lower(), "subject": where}
    else:
        variation = {"variantType": cls, "referenceBases": "N", "alternateBases": "N", "location": where}
    out: dict[str, Any] = {"variantInternalId": row["variant_id"], "variation": variation}
    genes = [g for g in (row.get("gene"), row.get("partner")) if g]
    if genes:
        out["molecularAttributes"] = {"geneIds": list(dict.fromkeys(genes))}
    notes = [LABELS.get(cls, cls)]
    if row.get("mate_chromosome"):
        notes.append(f"mate breakend {row['mate_chromosome']}:{row['mate_position']}")
    if cls == FUSION and len(genes) == 2:
        notes.append(f"{genes[0]}::{genes[1]}")
    out["identifiers"] = {"variantAlternativeIds": [{"id": row["variant_id"], "notes": "; ".join(notes)}]}
    return out
