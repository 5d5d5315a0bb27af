"""One sample's somatic variants, generated as integer codes and turned into Arrow columns
at the end, so the cost per variant is a few numpy operations and no Python.

Passengers fall uniformly on GRCh37 and are annotated against the gene reference
(intronic, or coding with the chance a position of its gene is in ~3 kb of coding
sequence, then missense / synonymous / truncating /
splice); the sample's driver events become hotspot or truncating variants. Alleles are
codes into a sorted pool of allele strings, so sorting by code sorts by string; a driver
wins over a passenger drawn at the same position.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.ingest.genes import gene as lookup_gene
from onconode.synth.cohort import SampleParams
from onconode.synth.reference import AMINO, BASES, CHROM_INDEX, CHROMS, const, layout, strings, table
from onconode.synth.tumours import HOTSPOTS

# Passenger alleles: code b (0-3) is one base, 4 + 4x + y the two bases x, y.
BASE_ALLELES = [*BASES, *(x + y for x in BASES for y in BASES)]
TYPES = ("SNP", "MNP", "INDEL")
FILTERS = ("PASS", "PON")
HOTSPOT_STATUS = ("NON_HOTSPOT", "HOTSPOT")
TIERS = ("LOW_CONFIDENCE", "HIGH_CONFIDENCE", "PANEL", "HOTSPOT")
CODING_BASES_PER_GENE = 3000
# Passenger annotation codes; drivers add their own effect strings after these.
EFFECTS = ["intron_variant", "missense_variant", "synonymous_variant", "frameshift_variant", "stop_gained",
           "splice_donor_variant"]
CODING = ["NONE", "MISSENSE", "SYNONYMOUS", "NONSENSE_OR_FRAMESHIFT", "SPLICE"]
INTRON, MISSENSE, SYNONYMOUS, FRAMESHIFT, STOP, SPLICE = range(6)
C_NONE, C_MISSENSE, C_SYNONYMOUS, C_TRUNCATING, C_SPLICE = range(5)


def _two(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 4 + 4 * x + y


def _passengers(r: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Sorted uniform positions, alleles and annotation codes of n passengers."""
    lay = layout()
    lin = np.sort(r.integers(1, int(lay.offsets[-1]), size=n, dtype=np.int64))
    chrom = np.searchsorted(lay.offsets, lin, side="right") - 1
    pos = np.maximum(lin - lay.offsets[chrom], 1)
    kind = r.choice(3, size=n, p=[0.85, 0.015, 0.135])   # SNP, MNP, INDEL
    ref_b = r.integers(0, 4, size=n)
    alt_b = (ref_b + r.integers(1, 4, size=n)) % 4
    gi = np.searchsorted(lay.gene_start, lin, side="right") - 1
    in_gene = (gi >= 0) & (lin <= lay.gene_end[np.maximum(gi, 0)])
    # A passenger is coding with the chance that a position of its gene is in the coding
    # sequence: ~3 kb of a gene's span (CDS lengths vary far less than spans), so long genes
    # such as CSMD1 (2 Mb) collect introns, not missense calls, as in real tumours.
    span = (lay.gene_end - lay.gene_start + 1)[np.maximum(gi, 0)]
    coding = in_gene & (r.random(n) < np.minimum(1.0, CODING_BASES_PER_GENE / span))
    u = r.random(n)
    ins = (kind == 2) & (u < 0.5)
    dele = (kind == 2) & ~ins
    mnp = kind == 1
    ref = np.where(mnp, _two(ref_b, (ref_b + 1) % 4), np.where(dele, _two(ref_b, alt_b), ref_b))
    alt = np.where(mnp, _two(alt_b, (alt_b + 2) % 4), np.where(ins, _two(ref_b, alt_b), np.where(dele, ref_b, alt_b)))
    # Coding passengers: missense 65 %, synonymous 28 %, nonsense/frameshift 5 %, splice 2 %.
    mis, syn = coding & (u < 0.65), coding & (u >= 0.65) & (u < 0.93)
    trunc, spl = coding & (u >= 0.93) & (u < 0.98), coding & (u >= 0.98)
    effect = np.select([mis, syn, trunc & (kind == 2), trunc, spl], [MISSENSE, SYNONYMOUS, FRAMESHIFT, STOP, SPLICE],
                       INTRON)
    ceff = np.select([mis, syn, trunc, spl], [C_MISSENSE, C_SYNONYMOUS, C_TRUNCATING, C_SPLICE], C_NONE)
    return {"chrom": chrom, "pos": pos, "kind": kind, "ref": ref, "alt": alt, "ref_b": ref_b, "alt_b": alt_b,
            "gene": np.where(in_gene, gi, -1), "coding": coding, "effect": effect, "ceff": ceff,
            "tier": (u >= 0.7).astype(np.int8)}


def _hgvs(r: np.random.Generator, v: dict[str, np.ndarray]) -> tuple[pa.Array, pa.Array]:
    """HGVS coding and protein notation of the coding passengers, built column-wise."""
    n = len(v["pos"])
    codon = r.integers(2, 1200, size=n)
    aa1 = r.integers(0, 20, size=n)
    aa2 = (aa1 + r.integers(1, 20, size=n)) % 20
    idx = np.flatnonzero(v["coding"])
    codon, aa1, aa2 = codon[idx], aa1[idx], aa2[idx]
    kind, ceff, ref_b, alt_b = v["kind"][idx], v["ceff"][idx], v["ref_b"][idx], v["alt_b"][idx]
    dele = (kind == 2) & (v["ref"][idx] >= 4)
    ins = (kind == 2) & ~dele
    base = pa.array(list(BASES))
    cpos = pa.array(codon * 3 - 1).cast(pa.string())
    cnext = pa.array(codon * 3).cast(pa.string())
    # c.{pos}del{base} | c.{pos}_{pos+1}ins{base} | c.{pos}{ref}>{alt}
    middle = strings(np.select([dele, ins], [0, 1], 2), ["del", "_", ""])
    after = pc.if_else(pa.array(ins), pc.binary_join_element_wise(cnext, "ins", ""), strings(np.zeros(len(idx), np.int32), [""]))
    first = pc.if_else(pa.array(kind == 2), strings(np.zeros(len(idx), np.int32), [""]), base.take(pa.array(ref_b)))
    last = pc.if_else(pa.array(kind == 2), base.take(pa.array(alt_b)), pc.binary_join_element_wise(">", base.take(pa.array(alt_b)), ""))
    hgvs_c = pc.binary_join_element_wise("c.", cpos, middle, after, first, last, "")
    # p.{aa}{codon}{aa2 | = | fs | *}; splice variants have none.
    suffix = np.select([ceff == C_MISSENSE, ceff == C_SYNONYMOUS, (ceff == C_TRUNCATING) & (kind == 2)],
                       [aa2, 20, 21], 22)
    hgvs_p = pc.binary_join_element_wise(
        "p.", strings(aa1, AMINO), pa.array(codon).cast(pa.string()),
        strings(suffix, [*AMINO, "=", "fs", "*"], ceff != C_SPLICE), "")
    return hgvs_c, hgvs_p


def _drivers(r: np.random.Generator, p: SampleParams) -> list[dict]:
    """Hotspot and truncating variants of the sample's driver events."""
    out = []
    for e in p.events:
        g = lookup_gene(e.gene)
        if e.kind == "hotspot":
            pos, ref, alt, hc, hp, ce, eff, _ = HOTSPOTS[e.gene][e.hotspot]
            out.append({"chrom": g.chromosome_37, "pos": pos, "ref": ref, "alt": alt,
                        "type": "SNP" if len(ref) == len(alt) == 1 else ("MNP" if len(ref) == len(alt) else "INDEL"),
                        "gene": e.gene, "effect": eff, "ceff": ce, "hgvs_c": hc, "hgvs_p": hp or None,
                        "hotspot": 1, "tier": 3})
        elif e.kind == "truncating":
            pos = int(r.integers(g.start_37 + 100, g.end_37 - 100))
            codon = int(r.integers(20, 800))
            b = int(r.integers(0, 4))
            if r.random() < 0.5:
                ref, alt, eff = BASES[b], BASES[(b + 2) % 4], "stop_gained"
                hc, hp = f"c.{codon * 3 - 2}{ref}>{alt}", f"p.{AMINO[1]}{codon}*"
            else:
                ref, alt, eff = BASES[b] + BASES[(b + 1) % 4], BASES[b], "frameshift_variant"
                hc, hp = f"c.{codon * 3}del{BASES[(b + 1) % 4]}", f"p.{AMINO[15]}{codon}fs"
            out.append({"chrom": g.chromosome_37, "pos": pos, "ref": ref, "alt": alt,
                        "type": "SNP" if len(ref) == len(alt) else "INDEL", "gene": e.gene, "effect": eff,
                        "ceff": "NONSENSE_OR_FRAMESHIFT", "hgvs_c": hc, "hgvs_p": hp, "hotspot": 0, "tier": 2})
    return out


def _codes(values: list[str], vocabulary: list[str]) -> np.ndarray:
    """Codes of driver strings in a vocabulary, extending it with strings it lacks."""
    out = []
    for v in values:
        if v not in vocabulary:
            vocabulary.append(v)
        out.append(vocabulary.index(v))
    return np.array(out, dtype=np.int64)


def somatic_variants(r: np.random.Generator, p: SampleParams, cn_at, n: int) -> pa.Table:
    """Passengers plus the sample's driver mutations, sorted by position, as model rows.
    `cn_at(chrom_codes, positions)` gives (copy number, minor allele copy number)."""
    lay = layout()
    v = _passengers(r, n)
    hgvs_c, hgvs_p = _hgvs(r, v)
    drv = _drivers(r, p)
    k = len(drv)
    # The allele pool: passenger alleles plus the drivers', sorted, so code order is string order.
    pool = sorted(set(BASE_ALLELES) | {d["ref"] for d in drv} | {d["alt"] for d in drv})
    remap = np.array([pool.index(a) for a in BASE_ALLELES], dtype=np.int64)
    effects, codings = list(EFFECTS), list(CODING)
    hidx = np.full(n, -1, dtype=np.int64)
    hidx[v["coding"]] = np.arange(int(v["coding"].sum()))
    m_all = n + k
    cols = {
        "chrom": np.concatenate([v["chrom"], [CHROM_INDEX[d["chrom"]] for d in drv]]).astype(np.int64),
        "pos": np.concatenate([v["pos"], [d["pos"] for d in drv]]).astype(np.int64),
        "ref": np.concatenate([remap[v["ref"]], [pool.index(d["ref"]) for d in drv]]).astype(np.int64),
        "alt": np.concatenate([remap[v["alt"]], [pool.index(d["alt"]) for d in drv]]).astype(np.int64),
        "type": np.concatenate([v["kind"], [TYPES.index(d["type"]) for d in drv]]).astype(np.int64),
        "gene": np.concatenate([v["gene"], [lay.gene_code[d["gene"]] for d in drv]]).astype(np.int64),
        "effect": np.concatenate([v["effect"], _codes([d["effect"] for d in drv], effects)]),
        "ceff": np.concatenate([v["ceff"], _codes([d["ceff"] for d in drv], codings)]),
        "hgvs": np.concatenate([hidx, len(hgvs_c) + np.arange(k)]).astype(np.int64),
        "driver": np.concatenate([np.zeros(n, dtype=bool), np.ones(k, dtype=bool)]),
        "hotspot": np.concatenate([np.zeros(n, dtype=np.int64), [d["hotspot"] for d in drv]]).astype(np.int64),
        "tier": np.concatenate([v["tier"], [d["tier"] for d in drv]]).astype(np.int64),
    }
    hgvs_c = pa.concat_arrays([hgvs_c, pa.array([d["hgvs_c"] for d in drv], type=pa.string())])
    hgvs_p = pa.concat_arrays([hgvs_p, pa.array([d["hgvs_p"] for d in drv], type=pa.string())])
    order = np.lexsort((cols["alt"], cols["ref"], ~cols["driver"], cols["pos"], cols["chrom"]))
    # One variant per position: a driver wins over a passenger drawn on its site.
    chrom_o, pos_o = cols["chrom"][order], cols["pos"][order]
    keep = np.ones(m_all, dtype=bool)
    keep[1:] = (chrom_o[1:] != chrom_o[:-1]) | (pos_o[1:] != pos_o[:-1])
    sel = order[keep]
    c = {key: a[sel] for key, a in cols.items()}
    m = len(sel)
    cn, macn = cn_at(c["chrom"], c["pos"])
    cn = np.round(np.maximum(cn, 0.01), 4)
    # Clonal variants sit on 1 copy (or the major allele after WGD), a fifth are subclonal.
    subclonal = r.random(m) < 0.2
    vcn = np.where(subclonal, r.uniform(0.1, 0.6, m),
                   np.where((r.random(m) < 0.3) & (cn >= 2), np.maximum(cn - macn, 1.0), 1.0))
    vcn = np.round(np.minimum(vcn, cn), 4)
    purity = max(p.purity, 0.05)
    expected = purity * vcn / (purity * cn + 2 * (1 - purity))
    depth = r.poisson(100 * (purity * cn + 2 * (1 - purity)) / 2, m).astype(np.int64) + 10
    alt_reads = np.maximum(np.minimum(r.binomial(depth, np.clip(expected, 0.001, 1.0)), depth), 3)
    depth = np.maximum(depth, alt_reads)
    pon = (r.random(m) < 0.04) & ~c["driver"]
    gnomad = np.round(r.uniform(1e-4, 1e-2, m), 6)
    subcl = np.round(np.where(subclonal, r.uniform(0.6, 1.0, m), 0.0), 2)
    ceff = strings(c["ceff"], codings, c["gene"] >= 0)
    tx = np.where(c["gene"] >= 0, lay.gene_transcript[np.maximum(c["gene"], 0)], -1)
    return table("somatic_variant", {
        "sample_id": const(p.sample_id, m), "chromosome": strings(c["chrom"], CHROMS), "position": c["pos"],
        "ref": strings(c["ref"], pool), "alt": strings(c["alt"], pool), "type": strings(c["type"], TYPES),
        "filter": strings(pon.astype(np.int8), FILTERS), "gene": strings(c["gene"], lay.gene_names),
        "transcript": strings(tx, lay.transcripts), "canonical_effect": strings(c["effect"], effects, c["gene"] >= 0),
        "coding_effect": ceff, "worst_coding_effect": ceff,
        "hgvs_coding": strings(c["hgvs"], hgvs_c), "hgvs_protein": strings(c["hgvs"], hgvs_p),
        "allele_read_count": alt_reads, "total_read_count": depth, "vaf": np.round(alt_reads / depth, 4),
        "adjusted_vaf": np.round(np.clip(vcn / cn, 0, 1), 4), "copy_number": cn, "variant_copy_number": vcn,
        "minor_allele_copy_number": np.round(macn, 4), "biallelic": (macn < 0.5) & (vcn >= cn - 0.5) & ~subclonal,
        "subclonal_likelihood": subcl, "hotspot": strings(c["hotspot"], HOTSPOT_STATUS), "tier": strings(c["tier"], TIERS),
        "reported": c["driver"], "gnomad_frequency": pa.array(gnomad, mask=~pon),
    })
