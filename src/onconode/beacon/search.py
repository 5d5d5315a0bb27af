"""Beacon queries as Ibis expressions over one store snapshot (never SQL built from input).

Every entry type is answered from one base relation: the samples (joined to their patient
and dataset) that pass the filters, the request's scope (a path id such as
`/individuals/{id}/g_variants`) and, when variant parameters are given, that carry a
matching somatic variant. Counts are computed in the database per dataset without
materialising records; only the requested page of records is fetched.

Coordinates: the store holds VCF positions (1-based, GRCh37); Beacon requests are 0-based
interbase, so a variant at VCF position p starts at p - 1 and ends at p - 1 + len(ref).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from onconode.beacon import structural, tumour_types
from onconode.beacon.request import BeaconQuery, BeaconRequestError, Filter, VariantParams

ASSEMBLY = "GRCh37"  # the one build this Beacon serves (variant ids, VRS identifiers)
ASSEMBLIES = {"grch37", "hg19", "grch37.p13", "gcf_000001405.25"}
# GRCh37 RefSeq accessions (the CURIE form the spec recommends for referenceName).
REFSEQ = {"1": "NC_000001.10", "2": "NC_000002.11", "3": "NC_000003.11", "4": "NC_000004.11", "5": "NC_000005.9",
          "6": "NC_000006.11", "7": "NC_000007.13", "8": "NC_000008.10", "9": "NC_000009.11", "10": "NC_000010.10",
          "11": "NC_000011.9", "12": "NC_000012.11", "13": "NC_000013.10", "14": "NC_000014.8", "15": "NC_000015.9",
          "16": "NC_000016.9", "17": "NC_000017.10", "18": "NC_000018.9", "19": "NC_000019.9", "20": "NC_000020.10",
          "21": "NC_000021.8", "22": "NC_000022.10", "X": "NC_000023.10", "Y": "NC_000024.9"}
CHROM_OF_REFSEQ = {v.split(".")[0]: k for k, v in REFSEQ.items()}
MAX_REF_LENGTH = 1000  # longest reference allele a range query looks back for (keeps it a position range)
SEX_TERMS = {"NCIT:C16576": "female", "NCIT:C20197": "male", "NCIT:C17998": "unknown", "NCIT:C17649": "other"}
ALPHANUMERIC = {"primaryTumorLocation": "primary_tumor_location", "biopsySite": "biopsy_site",
                "tissueSource": "tissue_source"}
AMINO = {"A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly", "H": "His",
         "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp",
         "Y": "Tyr", "V": "Val", "*": "*", "X": "*"}
VARIANT_TYPES = {"SNP": ["SNP"], "SNV": ["SNP"], "MNP": ["MNP"], "INDEL": ["INDEL"], "DEL": ["INDEL"], "INS": ["INDEL"]}


@dataclass(frozen=True)
class Scope:
    """What a path id pins the query to (e.g. /individuals/HMF000001/g_variants)."""
    patient_id: str | None = None
    sample_id: str | None = None
    variant_id: str | None = None
    dataset_id: str | None = None


def chromosome(name: str) -> str:
    """`17`, `chr17`, `NC_000017.10` or `refseq:NC_000017.10` → the store's `17`."""
    n = name.strip()
    n = n.split(":", 1)[1] if n.lower().startswith("refseq:") else n
    if n.upper().startswith("NC_"):
        chrom = CHROM_OF_REFSEQ.get(n.split(".")[0].upper())
        if chrom is None or (("." in n) and REFSEQ[chrom] != n.upper()):
            raise BeaconRequestError(f"referenceName {name!r} is not a GRCh37 chromosome accession; this node holds GRCh37 "
                                     f"(e.g. refseq:{REFSEQ['17']} or 17)")
        return chrom
    n = n[3:] if n.lower().startswith("chr") else n
    n = n.upper() if n.lower() in ("x", "y") else n
    if n not in REFSEQ:
        raise BeaconRequestError(f"referenceName {name!r} is not a chromosome (1-22, X, Y, chr17 or refseq:{REFSEQ['17']})")
    return n


def variant_id(chrom: str, position: int, ref: str, alt: str) -> str:
    """`variantInternalId`: assembly, chromosome, VCF position, ref and alt."""
    return f"{ASSEMBLY}-{chrom}-{position}-{ref}-{alt}"


def parse_variant_id(vid: str) -> tuple[str, int, str, str]:
    parts = vid.split("-")
    if len(parts) != 5 or parts[0] != "GRCh37" or not parts[2].isdigit():
        raise BeaconRequestError(f"{vid!r} is not a variant id of this node (GRCh37-<chrom>-<position>-<ref>-<alt>)")
    return parts[1], int(parts[2]), parts[3], parts[4]


def protein_change(change: str) -> str:
    """`V600E` or `p.V600E` → the store's `p.Val600Glu` (three-letter HGVS)."""
    c = change.strip().removeprefix("p.")
    m = re.fullmatch(r"([A-Z*])(\d+)([A-Z*=]|fs)", c)
    if m:
        to = {"=": "=", "fs": "fs"}.get(m[3]) or AMINO.get(m[3])
        if m[1] not in AMINO or to is None:
            raise BeaconRequestError(f"aminoacidChange {change!r}: unknown amino acid letter")
        return f"p.{AMINO[m[1]]}{m[2]}{to}"
    if re.fullmatch(r"[A-Z][a-z]{2}\d+([A-Z][a-z]{2}|\*|=|fs)", c):
        return f"p.{c}"
    raise BeaconRequestError(f"aminoacidChange {change!r} is not a protein change like V600E or Val600Glu")


def _shape(v: VariantParams, structural_wanted: bool) -> str | None:
    """sequence, range or bracket (None: no coordinates), or why the coordinates cannot be answered."""
    if v.start and not v.reference_name:
        raise BeaconRequestError("start needs referenceName (e.g. referenceName=17&start=7577120)")
    if v.reference_name and not v.start and not v.gene_id:
        raise BeaconRequestError("referenceName needs start (sequence query) or start and end (range query)")
    if not v.start:
        if v.end:
            raise BeaconRequestError("end needs start")
        return None
    if len(v.start) == 1 and not v.end:
        if v.alternate_bases is None and not structural_wanted:
            raise BeaconRequestError("a sequence query (one start, no end) needs alternateBases; add end for a range query")
        return "sequence"
    if len(v.start) == 1 and len(v.end) == 1:
        if v.end[0] <= v.start[0]:
            raise BeaconRequestError(f"end ({v.end[0]}) must be after start ({v.start[0]})")
        return "range"
    if len(v.start) == 2 and len(v.end) == 2:
        return "bracket"
    raise BeaconRequestError("give start (sequence query), start and end (range query) or two starts and two ends (bracket query)")


def _wanted(v: VariantParams, scope: Scope) -> tuple[list[str] | None, tuple[str, ...]]:
    """(small variant types asked for: None none, [] any; copy-number and structural
    classes asked for). Small variants as before; copy-number and structural ones when
    the variantType names them, for a bracket query, or a gene pair (`A::B`, a fusion)."""
    if scope.variant_id is not None:
        return (None, structural.ALL) if structural.is_id(scope.variant_id) else ([], ())
    has_bases = any(x is not None for x in (v.reference_bases, v.alternate_bases, v.amino_acid_change, v.allele))
    pair = bool(v.gene_id and "::" in v.gene_id)
    if v.variant_type:
        small = VARIANT_TYPES.get(v.variant_type.strip().upper())
        sv = structural.classes(v.variant_type)
        if small is None and sv is None:
            raise BeaconRequestError(f"variantType {v.variant_type!r}: this node knows {', '.join(VARIANT_TYPES)}, "
                                     f"{', '.join(structural.TERMS)} (see docs/beacon.md)")
        if small is None and has_bases:
            raise BeaconRequestError(f"variantType {v.variant_type} names copy-number or structural variants, which have "
                                     "no bases here: drop referenceBases, alternateBases, aminoacidChange and allele")
        return (None if pair else small), (() if has_bases or sv is None else sv)
    sv = structural.ALL if (len(v.start) == 2 or pair) and not has_bases else ()
    return (None if pair else []), sv


def _small(snap: Any, v: VariantParams, scope: Scope, shape: str | None, kinds: list[str]) -> ir.Table:
    """The somatic (small) variants matching the variant parameters."""
    t = snap.table("somatic_variant")
    preds = []
    if scope.variant_id:
        c, p, r, a = parse_variant_id(scope.variant_id)
        preds += [t.chromosome == c, t.position == p, t.ref == r, t.alt == a]
    if v.reference_name:
        preds.append(t.chromosome == chromosome(v.reference_name))
    start0 = t.position - 1
    end0 = start0 + t.ref.length()
    if shape == "sequence":
        preds.append(t.position == v.start[0] + 1)
    elif shape == "range":  # any overlap
        preds += [t.position.between(max(v.start[0] + 1 - MAX_REF_LENGTH, 0), v.end[0]), start0 < v.end[0], end0 > v.start[0]]
    elif shape == "bracket":
        preds += [t.position.between(v.start[0] + 1, v.start[1] + 1), end0.between(v.end[0], v.end[1])]
    if v.reference_bases and v.reference_bases != "N":
        preds.append(t.ref == v.reference_bases)
    if v.alternate_bases and v.alternate_bases != "N":
        preds.append(t.alt == v.alternate_bases)
    if kinds:
        preds.append(t.type.isin(kinds))
    if v.min_length is not None:
        preds.append(ibis.greatest(t.ref.length(), t.alt.length()) >= v.min_length)
    if v.max_length is not None:
        preds.append(ibis.greatest(t.ref.length(), t.alt.length()) <= v.max_length)
    if v.gene_id:
        preds.append(t.gene == v.gene_id)
    if v.amino_acid_change:
        preds.append(t.hgvs_protein == protein_change(v.amino_acid_change))
    if v.allele:
        preds.append(t.hgvs_coding == v.allele.split(":", 1)[-1])
    if not preds:
        raise BeaconRequestError("no variant parameters to search with")
    return t.filter(*preds)


def _structural(snap: Any, v: VariantParams, scope: Scope, shape: str | None, classes: tuple[str, ...]) -> ir.Table:
    """The copy-number and structural events (structural.py) matching the same parameters:
    the coordinates are those of the place each event is found at (a breakend, a span)."""
    e = structural.events(snap)
    preds = [e.variant_class.isin(list(classes))]
    if scope.variant_id:
        preds.append(e.variant_id == scope.variant_id)
    if v.reference_name:
        preds.append(e.at_chromosome == chromosome(v.reference_name))
    if shape == "sequence":
        preds.append(e.at_start == v.start[0])
    elif shape == "range":
        preds += [e.at_start < v.end[0], e.at_end > v.start[0]]
    elif shape == "bracket":
        preds += [e.at_start.between(v.start[0], v.start[1]), e.at_end.between(v.end[0], v.end[1])]
    if v.min_length is not None:
        preds.append(e.length >= v.min_length)
    if v.max_length is not None:
        preds.append(e.length <= v.max_length)
    if v.gene_id and "::" in v.gene_id:
        five, three = (g.strip() for g in v.gene_id.split("::", 1))
        preds += [e.variant_class == structural.FUSION, e.gene == five, e.partner == three]
    elif v.gene_id:
        preds.append((e.gene == v.gene_id) | (e.partner == v.gene_id))
    return e.filter(*preds)


def _variants(snap: Any, v: VariantParams, scope: Scope) -> tuple[ir.Table | None, ir.Table | None] | None:
    """(small variants, copy-number and structural events) matching the variant parameters,
    each None when the query does not ask for that kind (None: no variant constraint)."""
    if v.is_empty() and scope.variant_id is None:
        return None
    if v.assembly_id and v.assembly_id.lower() not in ASSEMBLIES:
        raise BeaconRequestError(f"assemblyId {v.assembly_id!r}: this node holds GRCh37 (hg19) only")
    small, sv = _wanted(v, scope)
    if small is None and not sv:
        raise BeaconRequestError(f"geneId {v.gene_id} names a gene fusion, which has no bases here: drop referenceBases, "
                                 "alternateBases, aminoacidChange and allele")
    shape = _shape(v, bool(sv))
    return (_small(snap, v, scope, shape, small) if small is not None else None,
            _structural(snap, v, scope, shape, sv) if sv else None)


def _filter_pred(base: ir.Table, f: Filter) -> tuple[str, ir.BooleanValue]:
    """(field, predicate) of one filtering term; terms on one field are OR-ed (spec FAQ)."""
    if tumour_types.is_term(f.id):
        return tumour_types.FIELD, tumour_types.predicate(base, f)
    if f.id in SEX_TERMS:
        return "sex", base.sex == SEX_TERMS[f.id]
    if f.id in ALPHANUMERIC and f.value is not None:
        if f.operator not in ("=", "!"):
            raise BeaconRequestError(f"filter {f.id}: only = and ! apply to a text field")
        col = base[ALPHANUMERIC[f.id]].lower()
        pred = col == f.value.lower() if "%" not in f.value else col.like(f.value.lower())
        return f.id, pred if f.operator == "=" else ~pred
    raise BeaconRequestError(f"filter {f.as_request()!r} is not a filtering term of this node; "
                             "GET /beacon/filtering_terms lists them (DOID:..., OncoTree:..., ICDO3:..., NCIT sex terms, "
                             "primaryTumorLocation=...)")


def base(snap: Any, q: BeaconQuery, scope: Scope = Scope()) -> ir.Table:
    """Samples with their patient and dataset that pass filters, scope and variant params."""
    s = snap.table("sample")
    p = snap.table("patient").select("patient_id", "dataset_id", "sex")
    b = s.join(p, "patient_id")
    preds: dict[str, list[ir.BooleanValue]] = {}
    for f in q.filters:
        name, pred = _filter_pred(b, f)
        preds.setdefault(name, []).append(pred)
    for ors in preds.values():
        any_of = ors[0]
        for o in ors[1:]:
            any_of = any_of | o
        b = b.filter(any_of)
    if q.dataset_ids:
        b = b.filter(b.dataset_id.isin(list(q.dataset_ids)))
    for col, value in (("patient_id", scope.patient_id), ("sample_id", scope.sample_id), ("dataset_id", scope.dataset_id)):
        if value is not None:
            b = b.filter(b[col] == value)
    return b


def matches(snap: Any, entry: str, q: BeaconQuery, scope: Scope = Scope()) -> ir.Table:
    """(dataset_id, id, ...) of every matching entity of `entry` (one row per entity)."""
    b = base(snap, q, scope)
    found = _variants(snap, q.variant, scope)
    if entry == "g_variants":
        small, sv = found if found is not None else (snap.table("somatic_variant"), None)
        samples = b.select("sample_id", "dataset_id")
        rels = []
        if small is not None:
            j = small.join(samples, "sample_id")
            rels.append(j.select("dataset_id", "chromosome", "position", "ref", "alt").distinct())
        if sv is not None:
            j = sv.join(samples, "sample_id")
            rels.append(j.group_by(["dataset_id", "variant_id"]).aggregate(
                **{c: j[c].min() for c in structural.RECORD_COLUMNS if c != "variant_id"}))
        if len(rels) == 1 and sv is None:
            return rels[0]  # small variants only: the relation as it always was
        return _union_variants(rels)
    if found is not None:
        carriers = [r.select("sample_id") for r in found if r is not None]
        b = b.filter(b.sample_id.isin((carriers[0] if len(carriers) == 1 else carriers[0].union(carriers[1])).sample_id))
    if entry == "individuals":
        return b.select("dataset_id", id=b.patient_id, sex=b.sex).distinct()
    if entry in ("biosamples", "analyses", "runs"):
        return b.select("dataset_id", "patient_id", "sampling_date", "arrival_date", "tissue_source", "primary_tumor_doids",
                        "primary_tumor_location", id=b.sample_id)
    raise BeaconRequestError(f"unknown entry type {entry!r}")


def _union_variants(rels: list[ir.Table]) -> ir.Table:
    """Small variants and copy-number / structural ones as one relation (small ones have
    no variant_class; structural ones no bases, their position is their 1-based start)."""
    null_s, null_i = ibis.null().cast("string"), ibis.null().cast("int64")
    out = []
    for r in rels:
        if "variant_class" in r.columns:
            out.append(r.select(dataset_id=r.dataset_id, chromosome=r.chromosome, position=(r.start + 1).cast("int64"),
                                ref=null_s, alt=null_s, **{c: r[c] for c in structural.RECORD_COLUMNS if c != "chromosome"}))
        else:
            out.append(r.select(dataset_id=r.dataset_id, chromosome=r.chromosome, position=r.position.cast("int64"),
                                ref=r.ref, alt=r.alt, variant_id=null_s, variant_class=null_s, start=null_i, end=null_i,
                                mate_chromosome=null_s, mate_position=null_i, gene=null_s, partner=null_s))
    return out[0] if len(out) == 1 else out[0].union(out[1])


def counts(rel: ir.Table) -> dict[str, int]:
    """Matches per dataset, counted in the database."""
    df = rel.group_by("dataset_id").aggregate(n=rel.count()).to_pyarrow().to_pylist()
    return {r["dataset_id"]: int(r["n"]) for r in df}


def page(rel: ir.Table, dataset_id: str, skip: int, limit: int) -> list[dict[str, Any]]:
    """One page of one dataset's matches (the spec's skip counts pages)."""
    r = rel.filter(rel.dataset_id == dataset_id)
    keys = ["chromosome", "position", "ref", "alt"] if "position" in r.columns else ["id"]
    keys += ["variant_id"] if "variant_id" in r.columns else []
    return r.order_by(keys).limit(limit, offset=skip * limit).to_pyarrow().to_pylist()
