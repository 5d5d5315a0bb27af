"""One sample's genome as model rows: somatic variants (vectorised), copy number, SVs,
fusions, the driver catalogue and the tumour profile, consistent with each other.

Passenger variants fall uniformly on GRCh37 and are annotated against the gene reference
(intronic, or with a small chance coding); driver events of the sample's parameters become
hotspot or truncating variants, focal amplifications / homozygous deletions in the copy
number, or LINX fusions, and each is listed in the driver catalogue.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa

from onconode.ingest.genes import gene as lookup_gene
from onconode.ingest.genes import genes
from onconode.ingest.genome import LENGTHS
from onconode.model.tables import TABLES_BY_NAME
from onconode.synth.cohort import MEDIAN_VARIANTS, SampleParams, rng
from onconode.synth.tumours import HOTSPOTS, ONCOGENES, PANEL, TRANSCRIPTS

REF_GENOME = "GRCh37"
CHROMS = tuple(str(i) for i in range(1, 23)) + ("X",)
BASES = np.array(list("ACGT"))
AMINO = ("Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu", "Lys", "Met", "Phe", "Pro",
         "Ser", "Thr", "Trp", "Tyr", "Val")
VARIANT_STREAM, CN_STREAM, SV_STREAM = 10, 11, 12


@lru_cache(maxsize=1)
def _layout() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative chromosome offsets and the gene intervals on one linear GRCh37 axis."""
    lengths = np.array([LENGTHS[REF_GENOME][c] for c in CHROMS], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    idx = {c: i for i, c in enumerate(CHROMS)}
    rows = sorted(
        (offsets[idx[g.chromosome_37]] + g.start_37, offsets[idx[g.chromosome_37]] + g.end_37, g.symbol)
        for g in genes() if g.start_37 is not None and g.chromosome_37 in idx
    )
    starts = np.array([r[0] for r in rows], dtype=np.int64)
    ends = np.array([r[1] for r in rows], dtype=np.int64)
    names = np.array([r[2] for r in rows], dtype=object)
    return lengths, offsets, starts, ends, names


def scaled_count(p: SampleParams, median_variants: int | None) -> int:
    """Variants written for a sample: its burden, scaled when a smaller median is asked for."""
    if median_variants is None or median_variants == MEDIAN_VARIANTS:
        return p.burden
    return max(1, int(round(p.burden * median_variants / MEDIAN_VARIANTS)))


def _table(name: str, columns: dict[str, object]) -> pa.Table:
    schema = TABLES_BY_NAME[name].arrow_schema
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for f in schema:
        v = columns.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(v, pa.Array):
            arrays.append(v.cast(f.type))
        else:
            arrays.append(pa.array(v, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _const(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value])).cast(pa.string())


def _pick(values: list[str] | np.ndarray, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Strings by index, vectorised through a dictionary array; null where mask is False."""
    indices = pa.array(idx.astype(np.int32), mask=None if mask is None else ~mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), type=pa.string())).cast(pa.string())


def segments(r: np.random.Generator, p: SampleParams) -> dict[str, np.ndarray]:
    """Copy-number segments: arm-level gains/losses around the ploidy, focal driver events."""
    lengths, *_ = _layout()
    base = max(1.0, round(p.ploidy))
    rows: list[tuple[str, int, int, float, float]] = []
    focal: dict[str, list[tuple[int, int, float]]] = {}
    for e in p.events:
        if e.kind in ("amp", "del"):
            g = lookup_gene(e.gene)
            cn = float(r.uniform(3.2, 6.0) * p.ploidy) if e.kind == "amp" else float(r.uniform(0.0, 0.3))
            pad = int(r.integers(50_000, 2_000_000))
            focal.setdefault(g.chromosome_37, []).append((max(1, g.start_37 - pad), g.end_37 + pad, cn))
    for ci, chrom in enumerate(CHROMS):
        length = int(lengths[ci])
        if chrom == "X" and p.gender == "MALE":
            level = max(1.0, base / 2)
        else:
            level = base
        cuts = sorted(set(int(x) for x in r.integers(1_000_000, length - 1_000_000, size=int(r.integers(0, 4)))))
        bounds = [1] + [c + 1 for c in cuts] + [length + 1]
        for s, e_ in zip(bounds[:-1], bounds[1:]):
            cn = max(0.6, level + float(r.choice([-1.0, 0.0, 0.0, 0.0, 1.0])) + float(r.normal(0, 0.08)))
            pieces = [(s, e_ - 1, cn)]
            for fs, fe, fcn in focal.get(chrom, []):
                new = []
                for a, b, c in pieces:
                    if fe < a or fs > b:
                        new.append((a, b, c))
                        continue
                    if fs > a:
                        new.append((a, fs - 1, c))
                    new.append((max(a, fs), min(b, fe), fcn))
                    if fe < b:
                        new.append((fe + 1, b, c))
                pieces = new
            for a, b, c in pieces:
                maf = min(c / 2, max(0.0, float(r.choice([0.0, 1.0, c / 2])) if c >= 1 else 0.0))
                rows.append((chrom, a, b, round(c, 4), round(maf, 4)))
    return {
        "chromosome": np.array([x[0] for x in rows], dtype=object),
        "start": np.array([x[1] for x in rows], dtype=np.int64),
        "end": np.array([x[2] for x in rows], dtype=np.int64),
        "copy_number": np.array([x[3] for x in rows]),
        "minor_allele_copy_number": np.array([x[4] for x in rows]),
    }


def _cn_at(seg: dict[str, np.ndarray], chrom: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cn = np.zeros(len(pos))
    macn = np.zeros(len(pos))
    for c in np.unique(chrom):
        m = chrom == c
        sm = seg["chromosome"] == c
        starts = seg["start"][sm]
        i = np.clip(np.searchsorted(starts, pos[m], side="right") - 1, 0, len(starts) - 1)
        cn[m] = seg["copy_number"][sm][i]
        macn[m] = seg["minor_allele_copy_number"][sm][i]
    return cn, macn


def _passengers(r: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    lengths, offsets, gstart, gend, gname = _layout()
    lin = np.sort(r.integers(1, int(offsets[-1]), size=n, dtype=np.int64))
    ci = np.searchsorted(offsets, lin, side="right") - 1
    pos = lin - offsets[ci]
    pos = np.maximum(pos, 1)
    chrom_idx = ci
    kind = r.choice(3, size=n, p=[0.85, 0.015, 0.135])   # SNP, MNP, INDEL
    ref_i = r.integers(0, 4, size=n)
    alt_i = (ref_i + r.integers(1, 4, size=n)) % 4
    gi = np.searchsorted(gstart, lin, side="right") - 1
    in_gene = (gi >= 0) & (lin <= gend[np.maximum(gi, 0)])
    u = r.random(n)
    coding = in_gene & (u < 0.03)
    return {"chrom_idx": chrom_idx, "pos": pos, "kind": kind, "ref_i": ref_i, "alt_i": alt_i, "gene_i": gi,
            "in_gene": in_gene, "coding": coding, "u": r.random(n)}


def somatic_variants(r: np.random.Generator, p: SampleParams, seg: dict, n: int) -> pa.Table:
    """Passengers plus the sample's driver mutations, sorted by position, as model rows."""
    _, _, _, _, gname = _layout()
    v = _passengers(r, n)
    chrom = np.array(CHROMS, dtype=object)[v["chrom_idx"]]
    kind = v["kind"]
    bases = BASES
    ref = bases[v["ref_i"]].astype(object)
    alt = bases[v["alt_i"]].astype(object)
    mnp = kind == 1
    ref[mnp] = ref[mnp] + bases[(v["ref_i"][mnp] + 1) % 4]
    alt[mnp] = alt[mnp] + bases[(v["alt_i"][mnp] + 2) % 4]
    ins = (kind == 2) & (v["u"] < 0.5)
    dele = (kind == 2) & ~ins
    alt[ins] = ref[ins] + bases[v["alt_i"][ins]]
    ref[dele] = ref[dele] + bases[v["alt_i"][dele]]
    alt[dele] = bases[v["ref_i"][dele]].astype(object)
    gene = np.where(v["in_gene"], gname[np.maximum(v["gene_i"], 0)], None)
    coding = v["coding"]
    # Coding effect of coding passengers: missense 65 %, synonymous 28 %, nonsense/frameshift 5 %, splice 2 %.
    cu = v["u"]
    effect = np.full(n, "intron_variant", dtype=object)
    ceff = np.full(n, "NONE", dtype=object)
    effect[~v["in_gene"]] = None
    ceff[~v["in_gene"]] = None
    mis = coding & (cu < 0.65)
    syn = coding & (cu >= 0.65) & (cu < 0.93)
    trunc = coding & (cu >= 0.93) & (cu < 0.98)
    spl = coding & (cu >= 0.98)
    effect[mis], ceff[mis] = "missense_variant", "MISSENSE"
    effect[syn], ceff[syn] = "synonymous_variant", "SYNONYMOUS"
    effect[trunc & (kind == 2)], ceff[trunc] = "frameshift_variant", "NONSENSE_OR_FRAMESHIFT"
    effect[trunc & (kind != 2)] = "stop_gained"
    effect[spl], ceff[spl] = "splice_donor_variant", "SPLICE"
    codon = r.integers(2, 1200, size=n)
    aa1 = r.integers(0, 20, size=n)
    aa2 = (aa1 + r.integers(1, 20, size=n)) % 20
    hgvs_c = np.full(n, None, dtype=object)
    hgvs_p = np.full(n, None, dtype=object)
    for i in np.flatnonzero(coding):
        cpos = int(codon[i]) * 3 - 1
        if kind[i] == 2:
            hgvs_c[i] = f"c.{cpos}del{ref[i][1:]}" if len(ref[i]) > 1 else f"c.{cpos}_{cpos + 1}ins{alt[i][1:]}"
        else:
            hgvs_c[i] = f"c.{cpos}{ref[i][0]}>{alt[i][0]}"
        a, b = AMINO[aa1[i]], AMINO[aa2[i]]
        e = ceff[i]
        hgvs_p[i] = (f"p.{a}{codon[i]}{b}" if e == "MISSENSE" else f"p.{a}{codon[i]}=" if e == "SYNONYMOUS"
                     else (f"p.{a}{codon[i]}fs" if kind[i] == 2 else f"p.{a}{codon[i]}*") if e == "NONSENSE_OR_FRAMESHIFT" else None)
    reported = np.zeros(n, dtype=bool)
    hotspot = np.full(n, "NON_HOTSPOT", dtype=object)
    tier = np.where(v["u"] < 0.7, "LOW_CONFIDENCE", "HIGH_CONFIDENCE").astype(object)
    pos = v["pos"]
    vtype = np.array(["SNP", "MNP", "INDEL"], dtype=object)[kind]
    # The drivers: appended, then everything is sorted by position.
    extra = _driver_variants(r, p)
    if extra:
        chrom = np.concatenate([chrom, np.array([x["chromosome"] for x in extra], dtype=object)])
        pos = np.concatenate([pos, np.array([x["position"] for x in extra], dtype=np.int64)])
        ref = np.concatenate([ref, np.array([x["ref"] for x in extra], dtype=object)])
        alt = np.concatenate([alt, np.array([x["alt"] for x in extra], dtype=object)])
        vtype = np.concatenate([vtype, np.array([x["type"] for x in extra], dtype=object)])
        gene = np.concatenate([gene, np.array([x["gene"] for x in extra], dtype=object)])
        effect = np.concatenate([effect, np.array([x["canonical_effect"] for x in extra], dtype=object)])
        ceff = np.concatenate([ceff, np.array([x["coding_effect"] for x in extra], dtype=object)])
        hgvs_c = np.concatenate([hgvs_c, np.array([x["hgvs_coding"] for x in extra], dtype=object)])
        hgvs_p = np.concatenate([hgvs_p, np.array([x["hgvs_protein"] or None for x in extra], dtype=object)])
        reported = np.concatenate([reported, np.ones(len(extra), dtype=bool)])
        hotspot = np.concatenate([hotspot, np.array([x["hotspot"] for x in extra], dtype=object)])
        tier = np.concatenate([tier, np.array([x["tier"] for x in extra], dtype=object)])
    m = len(pos)
    order = np.lexsort((alt.astype(str), ref.astype(str), pos, _chrom_rank(chrom)))
    chrom, pos, ref, alt, vtype, gene, effect, ceff, hgvs_c, hgvs_p, reported, hotspot, tier = (
        a[order] for a in (chrom, pos, ref, alt, vtype, gene, effect, ceff, hgvs_c, hgvs_p, reported, hotspot, tier))
    # Drop exact duplicates (two passengers drawn on the same site and alleles).
    key_same = np.zeros(m, dtype=bool)
    key_same[1:] = (chrom[1:] == chrom[:-1]) & (pos[1:] == pos[:-1])
    keep = ~key_same
    chrom, pos, ref, alt, vtype, gene, effect, ceff, hgvs_c, hgvs_p, reported, hotspot, tier = (
        a[keep] for a in (chrom, pos, ref, alt, vtype, gene, effect, ceff, hgvs_c, hgvs_p, reported, hotspot, tier))
    m = len(pos)
    cn, macn = _cn_at(seg, chrom, pos)
    cn = np.round(np.maximum(cn, 0.01), 4)
    # Clonal variants sit on 1 copy (or the major allele after WGD), a fifth are subclonal.
    subclonal = r.random(m) < 0.2
    vcn = np.where(subclonal, r.uniform(0.1, 0.6, m), np.where((r.random(m) < 0.3) & (cn >= 2), np.maximum(cn - macn, 1.0), 1.0))
    vcn = np.round(np.minimum(vcn, cn), 4)
    adjusted = np.round(np.clip(vcn / cn, 0, 1), 4)
    purity = max(p.purity, 0.05)
    expected = purity * vcn / (purity * cn + 2 * (1 - purity))
    depth = r.poisson(100 * (purity * cn + 2 * (1 - purity)) / 2, m).astype(np.int64) + 10
    alt_reads = np.minimum(r.binomial(depth, np.clip(expected, 0.001, 1.0)), depth)
    alt_reads = np.maximum(alt_reads, 3)
    depth = np.maximum(depth, alt_reads)
    vaf = np.round(alt_reads / depth, 4)
    biallelic = (macn < 0.5) & (vcn >= cn - 0.5) & ~subclonal
    subcl = np.round(np.where(subclonal, r.uniform(0.6, 1.0, m), 0.0), 2)
    filt = np.where(r.random(m) < 0.04, "PON", "PASS").astype(object)
    filt[reported] = "PASS"
    gnomad = np.where(filt == "PON", np.round(r.uniform(1e-4, 1e-2, m), 6), np.nan)
    transcript = _transcripts(gene)
    return _table("somatic_variant", {
        "sample_id": _const(p.sample_id, m), "chromosome": chrom, "position": pos, "ref": ref, "alt": alt,
        "type": vtype, "filter": filt, "gene": gene, "transcript": transcript, "canonical_effect": effect,
        "coding_effect": ceff, "worst_coding_effect": ceff, "hgvs_coding": hgvs_c, "hgvs_protein": hgvs_p,
        "allele_read_count": alt_reads, "total_read_count": depth, "vaf": vaf, "adjusted_vaf": adjusted,
        "copy_number": cn, "variant_copy_number": vcn, "minor_allele_copy_number": np.round(macn, 4),
        "biallelic": biallelic, "subclonal_likelihood": subcl, "hotspot": hotspot, "tier": tier,
        "reported": reported, "gnomad_frequency": pa.array(gnomad, from_pandas=True),
    })


def _chrom_rank(chrom: np.ndarray) -> np.ndarray:
    rank = {c: i for i, c in enumerate(CHROMS)}
    return np.fromiter((rank[c] for c in chrom), dtype=np.int64, count=len(chrom))


def _transcripts(gene: np.ndarray) -> np.ndarray:
    """Canonical transcript of the driver-panel genes (other genes have none here)."""
    out = np.full(len(gene), None, dtype=object)
    known = np.flatnonzero(np.isin(gene, np.array(list(TRANSCRIPTS), dtype=object)))
    for i in known:
        out[i] = TRANSCRIPTS[gene[i]]
    return out


def _driver_variants(r: np.random.Generator, p: SampleParams) -> list[dict]:
    out = []
    for e in p.events:
        g = lookup_gene(e.gene)
        if e.kind == "hotspot":
            pos, ref, alt, hc, hp, ce, eff, _ = HOTSPOTS[e.gene][e.hotspot]
            out.append({"chromosome": g.chromosome_37, "position": pos, "ref": ref, "alt": alt,
                        "type": "SNP" if len(ref) == len(alt) == 1 else ("MNP" if len(ref) == len(alt) else "INDEL"),
                        "gene": e.gene, "canonical_effect": eff, "coding_effect": ce, "hgvs_coding": hc,
                        "hgvs_protein": hp, "hotspot": "HOTSPOT", "tier": "HOTSPOT"})
        elif e.kind == "truncating":
            pos = int(r.integers(g.start_37 + 100, g.end_37 - 100))
            codon = int(r.integers(20, 800))
            b = int(r.integers(0, 4))
            if r.random() < 0.5:
                ref, alt, eff, hc, hp = BASES[b], BASES[(b + 2) % 4], "stop_gained", f"c.{codon * 3 - 2}{BASES[b]}>{BASES[(b + 2) % 4]}", f"p.{AMINO[1]}{codon}*"
            else:
                ref, alt, eff, hc, hp = BASES[b] + BASES[(b + 1) % 4], BASES[b], "frameshift_variant", f"c.{codon * 3}del{BASES[(b + 1) % 4]}", f"p.{AMINO[15]}{codon}fs"
            out.append({"chromosome": g.chromosome_37, "position": pos, "ref": str(ref), "alt": str(alt),
                        "type": "SNP" if len(ref) == len(alt) else "INDEL", "gene": e.gene, "canonical_effect": eff,
                        "coding_effect": "NONSENSE_OR_FRAMESHIFT", "hgvs_coding": hc, "hgvs_protein": hp,
                        "hotspot": "NON_HOTSPOT", "tier": "PANEL"})
    return out


def gene_copy_numbers(p: SampleParams, seg: dict) -> pa.Table:
    """PURPLE gene copy number for the driver panel: min/max over overlapping segments."""
    rows = []
    for symbol in PANEL:
        g = lookup_gene(symbol)
        sm = seg["chromosome"] == g.chromosome_37
        over = sm & (seg["start"] <= g.end_37) & (seg["end"] >= g.start_37)
        cns, macn = seg["copy_number"][over], seg["minor_allele_copy_number"][over]
        rows.append((symbol, g.chromosome_37, g.band_37, g.start_37, g.end_37, float(cns.min()), float(cns.max()),
                     float(macn.min()), int(over.sum())))
    mn = np.array([x[5] for x in rows])
    call = np.where(mn < 0.5, "HOMDEL", np.where(mn > 3 * p.ploidy, "AMP", np.where(mn < p.ploidy - 0.7, "HETLOSS",
                    np.where(mn > p.ploidy + 0.7, "GAIN", "DIPLOID"))))
    return _table("gene_copy_number", {
        "sample_id": [p.sample_id] * len(rows), "gene": [x[0] for x in rows], "transcript": [TRANSCRIPTS[x[0]] for x in rows],
        "is_canonical": [True] * len(rows), "chromosome": [x[1] for x in rows], "chromosome_band": [x[2] for x in rows],
        "start": [x[3] for x in rows], "end": [x[4] for x in rows], "min_copy_number": mn,
        "max_copy_number": [x[6] for x in rows], "min_minor_allele_copy_number": [x[7] for x in rows],
        "somatic_regions": [x[8] for x in rows], "min_region_method": ["BAF_WEIGHTED"] * len(rows),
        "relative_min_copy_number": np.round(mn / p.ploidy, 4), "cna_call": call,
    })


def drivers(p: SampleParams, gcn: pa.Table) -> pa.Table:
    """The PURPLE driver catalogue: one row per mutated, amplified or deleted driver gene."""
    cn = {g: (lo, hi) for g, lo, hi in zip(gcn["gene"].to_pylist(), gcn["min_copy_number"].to_pylist(), gcn["max_copy_number"].to_pylist())}
    rows = []
    for e in p.events:
        if e.kind == "fusion":
            continue
        g = lookup_gene(e.gene)
        if e.kind in ("hotspot", "truncating"):
            spot = HOTSPOTS[e.gene][e.hotspot] if e.kind == "hotspot" else None
            missense = int(spot is not None and spot[5] == "MISSENSE" and len(spot[1]) == len(spot[2]))
            rows.append((e.gene, g, "MUTATION", "HOTSPOT" if spot else "BIALLELIC", 1.0, missense,
                         int(e.kind == "truncating"), int(spot is not None and spot[6] == "inframe_deletion"), spot is None))
        elif e.kind == "amp":
            rows.append((e.gene, g, "AMP", "AMP", 1.0, 0, 0, 0, False))
        elif e.kind == "del":
            rows.append((e.gene, g, "DEL", "DEL", 1.0, 0, 0, 0, True))
    n = len(rows)
    return _table("driver", {
        "sample_id": [p.sample_id] * n, "gene": [x[0] for x in rows], "transcript": [TRANSCRIPTS[x[0]] for x in rows],
        "is_canonical": [True] * n, "chromosome": [x[1].chromosome_37 for x in rows],
        "chromosome_band": [x[1].band_37 for x in rows], "driver": [x[2] for x in rows],
        "category": ["ONCO" if x[0] in ONCOGENES else "TSG" for x in rows], "likelihood_method": [x[3] for x in rows],
        "reported_status": ["REPORTED"] * n, "driver_likelihood": [x[4] for x in rows], "biallelic": [x[8] for x in rows],
        "germline": [False] * n, "missense": [x[5] for x in rows], "nonsense": [x[6] for x in rows],
        "splice": [0] * n, "inframe": [x[7] for x in rows], "frameshift": [0] * n,
        "min_copy_number": [cn[x[0]][0] for x in rows], "max_copy_number": [cn[x[0]][1] for x in rows],
    })


def structural(r: np.random.Generator, p: SampleParams) -> dict[str, pa.Table]:
    """LINX-like SVs (random deletions, duplications, inversions, translocations) plus the
    SV of each fusion driver, its two gene breakends and the fusion itself."""
    lengths, *_ = _layout()
    n = int(r.poisson(40 if p.tumour != "aml" else 5)) + (40 if p.hrd else 0)
    types = r.choice(np.array(["DEL", "DUP", "INV", "BND"], dtype=object), size=n, p=[0.35, 0.3, 0.15, 0.2])
    c1 = r.integers(0, len(CHROMS), size=n)
    c2 = np.where(types == "BND", r.integers(0, len(CHROMS), size=n), c1)
    p1 = (r.random(n) * (lengths[c1] - 2_000_000)).astype(np.int64) + 1_000_000
    span = r.integers(1_000, 5_000_000, size=n)
    p2 = np.where(types == "BND", (r.random(n) * (lengths[c2] - 2_000_000)).astype(np.int64) + 1_000_000,
                  np.minimum(p1 + span, lengths[c1] - 1))
    o1 = np.where(types == "DUP", -1, 1)
    o2 = np.where(types == "DEL", -1, np.where(types == "DUP", 1, r.choice([-1, 1], size=n)))
    sv = {"sv_id": [str(i + 1) for i in range(n)], "type": list(types),
          "start_chromosome": [CHROMS[i] for i in c1], "start_position": p1, "start_orientation": o1,
          "end_chromosome": [CHROMS[i] for i in c2], "end_position": p2, "end_orientation": o2,
          "cluster_id": np.arange(n), "start_gene": [None] * n, "end_gene": [None] * n}
    breakends, fusions = [], []
    for e in (x for x in p.events if x.kind == "fusion"):
        five, three = e.gene.split("_")
        g5, g3 = lookup_gene(five), lookup_gene(three)
        sid = str(len(sv["sv_id"]) + 1)
        pos5 = int(r.integers(g5.start_37, g5.end_37))
        pos3 = int(r.integers(g3.start_37, g3.end_37))
        same = g5.chromosome_37 == g3.chromosome_37
        for key, val in (("sv_id", sid), ("type", "DEL" if same else "BND"), ("start_chromosome", g5.chromosome_37),
                         ("end_chromosome", g3.chromosome_37), ("start_gene", five), ("end_gene", three)):
            sv[key] = list(sv[key]) + [val]
        sv["start_position"] = np.append(sv["start_position"], min(pos5, pos3) if same else pos5)
        sv["end_position"] = np.append(sv["end_position"], max(pos5, pos3) if same else pos3)
        sv["start_orientation"] = np.append(sv["start_orientation"], 1)
        sv["end_orientation"] = np.append(sv["end_orientation"], -1)
        sv["cluster_id"] = np.append(sv["cluster_id"], len(sv["sv_id"]) - 1)
        b = len(breakends)
        breakends.append((b, sid, True, five, "INTRONIC", "CODING"))
        breakends.append((b + 1, sid, False, three, "INTRONIC", "CODING"))
        fusions.append((e.gene, five, three, b, b + 1, int(r.integers(2, 8)), int(r.integers(2, 6)),
                        round(float(r.uniform(0.8, 2.5)), 4)))
    k = len(breakends)
    sv_table = _table("structural_variant", {"sample_id": [p.sample_id] * len(sv["sv_id"]), **sv})
    be = _table("sv_breakend", {
        "sample_id": [p.sample_id] * k, "breakend_id": [x[0] for x in breakends], "sv_id": [x[1] for x in breakends],
        "is_start": [x[2] for x in breakends], "gene": [x[3] for x in breakends],
        "transcript": [TRANSCRIPTS[x[3]] for x in breakends], "is_canonical": [True] * k, "disruptive": [True] * k,
        "reported": [False] * k, "region_type": [x[4] for x in breakends], "coding_type": [x[5] for x in breakends],
        "undisrupted_copy_number": [1.0] * k})
    f = len(fusions)
    fu = _table("fusion", {
        "sample_id": [p.sample_id] * f, "name": [x[0] for x in fusions], "five_prime_gene": [x[1] for x in fusions],
        "three_prime_gene": [x[2] for x in fusions], "five_prime_breakend_id": [x[3] for x in fusions],
        "three_prime_breakend_id": [x[4] for x in fusions], "reported": [True] * f, "reported_type": ["KNOWN_PAIR"] * f,
        "phased": ["INFRAME"] * f, "likelihood": ["HIGH"] * f, "fused_exon_up": [x[5] for x in fusions],
        "fused_exon_down": [x[6] for x in fusions], "chain_length": [0] * f, "junction_copy_number": [x[7] for x in fusions]})
    return {"structural_variant": sv_table, "sv_breakend": be, "fusion": fu}


def tumor_profile(p: SampleParams, seg: dict, gcn: pa.Table, n_sv: int) -> pa.Table:
    """PURPLE purity / QC and CHORD values of the sample (TMB, MSI, TML of the full genome)."""
    tml = int(round(p.burden * 0.0066))
    fail = p.qc_fail
    p_brca1 = 0.85 if p.hrd and p.hrd_type == "BRCA1_type" else 0.01
    p_brca2 = 0.85 if p.hrd and p.hrd_type == "BRCA2_type" else 0.02
    deleted = int(sum(1 for c in gcn["cna_call"].to_pylist() if c == "HOMDEL"))
    return _table("tumor_profile", {
        "sample_id": [p.sample_id], "ref_genome": [REF_GENOME], "pipeline": ["PURPLE 4.0 (synthetic)"],
        "purity": [p.purity], "ploidy": [p.ploidy], "fit_method": ["NO_TUMOR" if fail else "NORMAL"],
        "gender": [p.gender], "whole_genome_duplication": [p.wgd], "ms_indels_per_mb": [p.ms_indels_per_mb],
        "msi_status": ["MSI" if p.ms_indels_per_mb > 4 else "MSS"], "tmb_per_mb": [p.tmb_per_mb],
        "tmb_status": ["HIGH" if p.tmb_per_mb > 10 else "LOW"], "tml": [tml], "tml_status": ["HIGH" if tml > 140 else "LOW"],
        "sv_tmb": [n_sv], "hrd_score": [round(p_brca1 + p_brca2, 4)],
        "hr_status": ["HR_DEFICIENT" if p.hrd else "HR_PROFICIENT"], "hrd_type": [p.hrd_type],
        "qc_status": ["FAIL_NO_TUMOR" if fail else "PASS"], "mean_depth": [100.0], "contamination": [0.0],
        "copy_number_segments": [len(seg["start"])], "deleted_genes": [deleted],
    })


def sample_tables(seed: int, p: SampleParams, median_variants: int | None, *, variants: bool = True) -> dict[str, pa.Table]:
    """Every genomic table of one sample, drawn from its own generators (somatic variants
    only when `variants`, so a loader can stream them separately)."""
    seg = segments(rng(seed, CN_STREAM, p.index), p)
    gcn = gene_copy_numbers(p, seg)
    sv = structural(rng(seed, SV_STREAM, p.index), p)
    out = {
        "copy_number_segment": _table("copy_number_segment", {
            "sample_id": _const(p.sample_id, len(seg["start"])), **seg,
            "major_allele_copy_number": np.round(seg["copy_number"] - seg["minor_allele_copy_number"], 4),
            "method": ["BAF_WEIGHTED"] * len(seg["start"])}),
        "gene_copy_number": gcn,
        "driver": drivers(p, gcn),
        **sv,
    }
    if variants:
        out["somatic_variant"] = sample_variants(seed, p, median_variants, seg)
    out["tumor_profile"] = tumor_profile(p, seg, gcn, sv["structural_variant"].num_rows)
    return out


def sample_variants(seed: int, p: SampleParams, median_variants: int | None, seg: dict | None = None) -> pa.Table:
    """The somatic variants of one sample (the same rows sample_tables gives)."""
    if seg is None:
        seg = segments(rng(seed, CN_STREAM, p.index), p)
    return somatic_variants(rng(seed, VARIANT_STREAM, p.index), p, seg, scaled_count(p, median_variants))
