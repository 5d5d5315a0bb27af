"""Sample × gene alteration events: the one definition every analysis counts.

An *event* is one way a gene is altered in one sample:

- MUTATION: by default (`Scope()`), a passing, non-silent somatic mutation: PASS or no
  FILTER, coding effect missense (in-frame included) / nonsense-frameshift / splice, not
  hidden by cBioPortal's default filter — the definition cBioPortal users expect, which
  keeps long genes' intronic passengers out of the top of a frequency table. With
  `Scope(all_mutations=True)`, every passing mutation in a gene (silent, intronic, UTR ...);
- AMP / DEL: a discrete AMP / HOMDEL copy-number call, or a PURPLE driver-catalogue AMP,
  PARTIAL_AMP or DEL entry (real PURPLE gene tables carry no discrete call, cBioPortal
  studies carry no driver catalogue, so both sources count);
- FUSION: a reported fusion (or one whose reported flag is unknown), an event of both
  partner genes.

Events are *observable* ones only: in a sample that passed QC (a `qc_status` with a
FAIL_ flag, e.g. FAIL_NO_TUMOR, removes the sample unless `Scope(failed_qc=True)`), and in
a gene the sample's gene panel covers for the event's data type (`sample_gene_panel`; no
panel = whole genome or exome, every gene).

Drivers are kept apart (`drivers`): a driver-catalogue entry with its likelihood, for
"driver likelihood ≥ t" filters and the "any driver" frequency.

Denominators are the samples *profiled* for the event's data type
(`tumor_profile.profiled`, empty for whole genomes), as cBioPortal's case lists define
them, QC-passing by default, so panel-sequenced samples without copy-number data never
dilute AMP frequencies; per gene, only samples whose panel covers it (`panels.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from onconode.analysis.materialized import DUCKDB, materialized, selection
from onconode.analysis.snapshot import Snapshot


Kind = Literal["MUTATION", "AMP", "DEL", "FUSION"]
KINDS: tuple[str, ...] = ("MUTATION", "AMP", "DEL", "FUSION")
FREQUENCY_KINDS: tuple[str, ...] = KINDS + ("DRIVER", "ANY")  # what a frequency counts, in display order
AMP_DRIVERS = ("AMP", "PARTIAL_AMP")
DEL_DRIVERS = ("DEL",)
# The data type a sample must be profiled for before an event kind can count in it.
PROFILE_OF_KIND = {"MUTATION": "mutations", "AMP": "cna", "DEL": "cna", "FUSION": "structural_variants"}
EVENT_COLUMNS = ("sample_id", "gene", "kind", "coding_effect", "hotspot", "biallelic")
MUTATION_COLUMNS = ("sample_id", "gene", "coding_effect", "hotspot", "biallelic", "hgvs_protein")
# Mutations that change the protein (cBioPortal's default view also hides silent, intronic,
# UTR, flanking and intergenic classes: somatic_variant.default_filtered).
NON_SILENT_EFFECTS = ("MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SPLICE")
MUTATION_DEFINITIONS = {
    "non_silent": "non-silent coding and splice mutations (missense, in-frame, nonsense, frameshift, splice site) that "
                  "passed the caller's filters: cBioPortal's default",
    "all": "every passing somatic mutation in a gene, silent, intronic, UTR, flanking and other non-coding ones included",
}
SAMPLE_DEFINITIONS = {
    "qc_pass": "samples that passed QC (no FAIL_ flag, e.g. FAIL_NO_TUMOR, in their QC status)",
    "all": "every sequenced sample, QC failures included",
}


@dataclass(frozen=True)
class Scope:
    """Which mutations and samples an alteration view counts. The default is what
    cBioPortal users expect: non-silent coding and splice mutations, QC-passing samples;
    the options widen it. Every view (frequency, OncoPrint, comparison, cohort criteria)
    reads its events and denominators through one Scope, so they cannot disagree."""
    all_mutations: bool = False
    failed_qc: bool = False

    @property
    def mutations(self) -> str:
        return "all" if self.all_mutations else "non_silent"

    @property
    def samples(self) -> str:
        return "all" if self.failed_qc else "qc_pass"

    @property
    def suffix(self) -> str:
        """Appended to the per-snapshot table names ("" for the default)."""
        return ("_allmut" if self.all_mutations else "") + ("_anyqc" if self.failed_qc else "")

    def describe(self) -> dict[str, str]:
        """The answer's statement of what was counted (a field of every alteration view)."""
        return {"mutations": self.mutations, "mutation_definition": MUTATION_DEFINITIONS[self.mutations],
                "samples": self.samples, "sample_definition": SAMPLE_DEFINITIONS[self.samples]}


DEFAULT_SCOPE = Scope()


def passing_mutations(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """Somatic mutations in a gene that passed the caller's filters (a missing FILTER, as
    in many MAFs, counts as passed): by default only the non-silent coding and splice ones
    cBioPortal would not hide (`Scope`)."""
    v = snap.table("somatic_variant")
    passed = v["filter"].isnull() | (v["filter"] == "PASS")
    if scope.all_mutations:
        return v.filter(passed, v.gene.notnull())
    shown = ~v.default_filtered.fill_null(False)
    return v.filter(v.coding_effect.isin(NON_SILENT_EFFECTS), passed, shown, v.gene.notnull())


def qc_failed(snap: Snapshot) -> ir.Table:
    """Samples whose QC status carries a FAIL_ flag (e.g. FAIL_NO_TUMOR): not profiled by default."""
    tp = snap.table("tumor_profile")
    return tp.filter(tp.qc_status.fill_null("").contains("FAIL")).select("sample_id")


def _event(t: ir.Table, gene: ir.Value, kind: str, coding_effect=None, hotspot=None, biallelic=None) -> ir.Table:
    null_s = ibis.null().cast("string")
    null_b = ibis.null().cast("boolean")
    return t.select(
        sample_id=t.sample_id,
        gene=gene,
        kind=ibis.literal(kind),
        coding_effect=coding_effect if coding_effect is not None else null_s,
        hotspot=hotspot if hotspot is not None else null_b,
        biallelic=biallelic if biallelic is not None else null_b,
    )


def mutations(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """The scope's mutations (`passing_mutations`) with the columns analyses read,
    materialised once per store snapshot: ~1 % of the variant table, which every mutation
    query would otherwise filter out of all of it again."""
    name = "passing_mutations" + ("_allmut" if scope.all_mutations else "")
    return materialized(snap, name, lambda: passing_mutations(snap, scope).select(*MUTATION_COLUMNS))


def mutation_events(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    m = mutations(snap, scope)
    return _event(m, m.gene, "MUTATION", m.coding_effect, m.hotspot == "HOTSPOT", m.biallelic.fill_null(False))


def copy_number_events(snap: Snapshot, kind: Literal["AMP", "DEL"]) -> ir.Table:
    g = snap.table("gene_copy_number")
    d = snap.table("driver")
    call = "AMP" if kind == "AMP" else "HOMDEL"
    drivers = AMP_DRIVERS if kind == "AMP" else DEL_DRIVERS
    from_calls = g.filter(g.cna_call == call)
    from_drivers = d.filter(d.driver.isin(drivers), ~d.germline.fill_null(False))
    return _event(from_calls, from_calls.gene, kind).union(_event(from_drivers, from_drivers.gene, kind)).distinct()


def fusion_events(snap: Snapshot) -> ir.Table:
    f = snap.table("fusion").filter(lambda f: f.reported.fill_null(True))
    return _event(f, f.five_prime_gene, "FUSION").union(_event(f, f.three_prime_gene, "FUSION")).distinct()


def _all_events(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    parts = [mutation_events(snap, scope), copy_number_events(snap, "AMP"), copy_number_events(snap, "DEL"), fusion_events(snap)]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return observable(snap, out, scope)


def observable(snap: Snapshot, e: ir.Table, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """The events `e` (sample_id, gene, kind, ...) that the scope's samples could show: not
    in a QC-failed sample (unless the scope includes them), and in a gene the sample's
    panel covers for the event's data type (no panel: every gene)."""
    if not scope.failed_qc:
        e = e.anti_join(qc_failed(snap), "sample_id")
    profile = ibis.cases(*((e.kind == k, ibis.literal(t)) for k, t in PROFILE_OF_KIND.items()))
    e = e.mutate(_profile=profile, _gene_key=e.gene.upper())
    sgp = snap.table("sample_gene_panel")
    gp = snap.table("gene_panel")
    gp = gp.select(_panel=gp.panel_id, _covered=gp.gene.upper())
    on_panel = e.join(sgp, [e.sample_id == sgp.sample_id, e._profile == sgp.profile]).select(*e.columns, _panel=sgp.panel_id)
    covered = on_panel.semi_join(gp, [on_panel._panel == gp._panel, on_panel._gene_key == gp._covered]).select(*e.columns)
    off_panel = e.anti_join(sgp, [e.sample_id == sgp.sample_id, e._profile == sgp.profile])
    return off_panel.union(covered).drop("_profile", "_gene_key")


def events(snap: Snapshot, kinds: tuple[str, ...] = KINDS, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """All alteration events of the requested kinds (columns EVENT_COLUMNS and `gene_key`,
    the upper-case gene that gene filters compare with: `gene_is`).

    Every kind's events are materialised together once per store snapshot (one row per
    mutation, copy-number call or fusion partner; ~1 % of the variant table's rows), so a
    question reads one small table instead of re-deriving four sources, and Ibis compiles
    a one-table expression instead of a union of four. The table is stored sorted by
    `gene_key`: a filter on a few genes then reads the one or two row groups whose
    min/max statistics can hold them, not all ~3 million rows at Hartwig scale (which
    cost a gene criterion ~30 ms each)."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown alteration kind {unknown[0]!r}; kinds are {', '.join(KINDS)}")
    e = materialized(snap, "alteration_events" + scope.suffix, lambda: _sorted_events(snap, scope))
    return e if set(kinds) == set(KINDS) else e.filter(e.kind.isin(list(kinds)))


def _sorted_events(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    return _all_events(snap, scope).mutate(gene_key=lambda t: t.gene.upper()).order_by("gene_key", "sample_id")


def label(kind: str, coding_effect: str | None, hotspot: bool | None) -> str:
    """An event's label in an OncoPrint: the kind, or a mutation's coding effect (hotspots
    marked); NULLs print as Python prints them, as they always have."""
    if kind == "MUTATION":
        return "HOTSPOT_" + str(coding_effect) if hotspot else str(coding_effect)
    return str(kind)


def gene_is(t: ir.Table, genes: list[str]) -> ir.BooleanValue:
    """`t`'s gene is one of `genes` (upper case), case-insensitively: on the events table
    through its sorted `gene_key` (row groups of other genes are skipped), elsewhere
    through upper(gene)."""
    key = t.gene_key if "gene_key" in t.columns else t.gene.upper()
    return key == genes[0] if len(genes) == 1 else key.isin(genes)


def _gene_pairs(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """One row per profiled sample and (upper-case) gene it has an event or a driver entry
    in, holding what counts for a frequency: per event kind, true when the sample has such
    an event in the gene *and* is profiled for the kind's data type (`profiles`); `full`-only
    columns (DRIVER and ANY count only in samples profiled for every data type): `lk`, the
    highest driver likelihood (a missing one 0; NULL without an entry or not fully
    profiled) and `ev`, any event. Sorted by gene; samples and genes also as integer codes
    (`s`, `g`: their rank), which the counting joins and groups on.

    Why: a frequency counts, per gene, the cohort's samples altered in it. Over this table
    that is one scan of the cohort's rows counting flags grouped by an integer —
    each row is already one (sample, gene), so no DISTINCT, no union of events and
    drivers, no join with the profiles, no string hashing — and a gene list reads only its
    genes' row groups (zone maps). Rows that can never count (a sample not profiled for
    its event's kind, a QC failure) are left out, as are samples not in `tumor_profile`
    (the profiles join drops them) and rows without a gene."""
    e = events(snap, scope=scope)
    e = e.select("sample_id", gene=e.gene_key, mutation=e.kind == "MUTATION", amp=e.kind == "AMP", deletion=e.kind == "DEL",
                 fusion=e.kind == "FUSION", likelihood=ibis.null().cast("float64"))
    d = somatic_driver_rows(snap, scope)
    false = ibis.literal(False)
    d = d.select("sample_id", gene=d.gene.upper(), mutation=false, amp=false, deletion=false, fusion=false,
                 likelihood=d.driver_likelihood.fill_null(0.0).cast("float64"))
    rows = e.union(d, distinct=False)
    rows = rows.filter(rows.gene.notnull(), rows.sample_id.notnull())
    pair = rows.group_by(["sample_id", "gene"]).aggregate(
        mutation=rows.mutation.any(), amp=rows.amp.any(), deletion=rows.deletion.any(), fusion=rows.fusion.any(),
        likelihood=rows.likelihood.max())
    p = profiles(snap, scope)
    p = p.group_by("sample_id").aggregate(pm=p.mutations.any(), pc=p.cna.any(), ps=p.structural_variants.any())
    j = pair.join(p, "sample_id")
    full = j.pm & j.pc & j.ps
    out = j.select("sample_id", "gene", m=j.mutation & j.pm, a=j.amp & j.pc, d=j.deletion & j.pc, f=j.fusion & j.ps,
                   lk=ibis.ifelse(full, j.likelihood, ibis.null().cast("float64")),
                   ev=(j.mutation | j.amp | j.deletion | j.fusion) & full)
    out = out.filter(out.m | out.a | out.d | out.f | out.lk.notnull())
    out = out.mutate(s=(ibis.dense_rank().over(order_by=out.sample_id)).cast("int32"),
                     g=(ibis.dense_rank().over(order_by=out.gene)).cast("int32"))
    return out.order_by("g", "s")


def gene_pairs(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """The scope's per-(sample, gene) table (`_gene_pairs`): a derived artifact shared by
    every server worker (a DuckDB file each attaches read-only: a frequency of every gene
    scans it whole, and DuckDB's own format costs less CPU than Parquet), never a copy in
    a worker's heap."""
    return materialized(snap, "gene_pairs" + scope.suffix, lambda: _gene_pairs(snap, scope))


def gene_codes(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> tuple[ir.Table, ir.Table]:
    """(sample_id, s) and (gene, g) of `gene_pairs`: small tables (a row per sample, per
    gene) that turn a cohort's ids into codes and codes back into gene names."""
    p = gene_pairs(snap, scope)
    samples = materialized(snap, "gene_pairs_samples" + scope.suffix, lambda: p.select("sample_id", "s").distinct())
    genes = materialized(snap, "gene_pairs_genes" + scope.suffix, lambda: p.select("gene", "g").distinct())
    return samples, genes


def somatic_driver_rows(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """The driver catalogue's somatic entries of the scope's samples (QC-passing by default)."""
    d = snap.table("driver")
    d = d.filter(~d.germline.fill_null(False))
    return d if scope.failed_qc else d.anti_join(qc_failed(snap), "sample_id")


def drivers(snap: Snapshot, min_likelihood: float = 0.0, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """Somatic driver-catalogue entries (sample_id, gene, driver, driver_likelihood) with a
    likelihood of at least `min_likelihood` (a missing likelihood counts as 0)."""
    def build() -> ir.Table:
        d = somatic_driver_rows(snap, scope)
        return d.select("sample_id", "gene", "driver", "biallelic", likelihood=d.driver_likelihood.fill_null(0.0),
                        driver_likelihood=d.driver_likelihood)
    d = materialized(snap, "somatic_drivers" + ("_anyqc" if scope.failed_qc else ""), build)
    return d.filter(d.likelihood >= min_likelihood).select("sample_id", "gene", "driver", "driver_likelihood", "biallelic")


def profiles(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """Per sample, whether it was profiled for each data type (`queries.profiled_samples`
    as three flags; a QC-failed sample for none, unless the scope includes them),
    materialised once per snapshot: every frequency's denominators."""
    def build() -> ir.Table:
        tp = snap.table("tumor_profile")
        p = tp.profiled
        ok = ibis.literal(True) if scope.failed_qc else ~tp.qc_status.fill_null("").contains("FAIL")
        flag = {t: ((p.isnull() | (p == "") | p.contains(t)) & ok).fill_null(False) for t in ("mutations", "cna", "structural_variants")}
        return tp.select("sample_id", **flag)
    return materialized(snap, "sample_profiles" + ("_anyqc" if scope.failed_qc else ""), build)


def fully_profiled_samples(snap: Snapshot, scope: Scope = DEFAULT_SCOPE) -> ir.Table:
    """Samples profiled for every data type: the denominator of "any alteration"."""
    p = profiles(snap, scope)
    return p.filter(p.mutations, p.cna, p.structural_variants).select("sample_id")


_AA = {"A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "E": "Glu", "Q": "Gln", "G": "Gly", "H": "His",
       "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp",
       "Y": "Tyr", "V": "Val", "*": "Ter"}


def protein_change_forms(change: str) -> list[str]:
    """A protein change as researchers type it (V600E, p.V600E, p.Val600Glu), in the
    forms HGVS p. notation may store it: one-letter and three-letter amino acids."""
    c = change.strip().removeprefix("p.")
    forms = [c]
    m = re.fullmatch(r"([A-Z])(\d+)([A-Z*])", c)
    if m and m.group(1) in _AA and m.group(3) in _AA:
        forms.append(f"{_AA[m.group(1)]}{m.group(2)}{_AA[m.group(3)]}")
    return [f"p.{f}".lower() for f in forms]


# The costly selections live as derived artifacts of the store (Parquet every server
# worker reads, built once): materialized.selection. The default scope's (what the portal
# asks first) are built by a job after each publish; the others on first use.
_EVENT_READS = ("somatic_variant", "gene_copy_number", "driver", "fusion", "tumor_profile", "sample_gene_panel", "gene_panel")
for _all in (False, True):
    _s = Scope(all_mutations=_all)
    selection("passing_mutations" + ("_allmut" if _all else ""), ("somatic_variant",),
              lambda snap, scope=_s: passing_mutations(snap, scope).select(*MUTATION_COLUMNS), prebuild=not _all)
    for _qc in (False, True):
        _s = Scope(all_mutations=_all, failed_qc=_qc)
        selection("alteration_events" + _s.suffix, _EVENT_READS, lambda snap, scope=_s: _sorted_events(snap, scope),
                  prebuild=not (_all or _qc))
        selection("gene_pairs" + _s.suffix, _EVENT_READS, lambda snap, scope=_s: _gene_pairs(snap, scope),
                  prebuild=not (_all or _qc), form=DUCKDB)

