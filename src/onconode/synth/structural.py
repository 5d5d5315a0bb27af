"""One sample's LINX structural variants: random DELs, DUPs, INVs and translocations at a
rate set by the tumour type (more when homologous recombination is deficient), plus the
SV behind each fusion driver event with its two gene breakends and the fusion itself."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from onconode.ingest.genes import gene as lookup_gene
from onconode.synth.cohort import SampleParams
from onconode.synth.reference import CHROMS, layout, table
from onconode.synth.tumours import TRANSCRIPTS


def structural(r: np.random.Generator, p: SampleParams) -> dict[str, pa.Table]:
    """LINX-like SVs (random deletions, duplications, inversions, translocations) plus the
    SV of each fusion driver, its two gene breakends and the fusion itself."""
    lengths = layout().lengths
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
    sv_table = table("structural_variant", {"sample_id": [p.sample_id] * len(sv["sv_id"]), **sv})
    be = table("sv_breakend", {
        "sample_id": [p.sample_id] * k, "breakend_id": [x[0] for x in breakends], "sv_id": [x[1] for x in breakends],
        "is_start": [x[2] for x in breakends], "gene": [x[3] for x in breakends],
        "transcript": [TRANSCRIPTS[x[3]] for x in breakends], "is_canonical": [True] * k, "disruptive": [True] * k,
        "reported": [False] * k, "region_type": [x[4] for x in breakends], "coding_type": [x[5] for x in breakends],
        "undisrupted_copy_number": [1.0] * k})
    f = len(fusions)
    fu = table("fusion", {
        "sample_id": [p.sample_id] * f, "name": [x[0] for x in fusions], "five_prime_gene": [x[1] for x in fusions],
        "three_prime_gene": [x[2] for x in fusions], "five_prime_breakend_id": [x[3] for x in fusions],
        "three_prime_breakend_id": [x[4] for x in fusions], "reported": [True] * f, "reported_type": ["KNOWN_PAIR"] * f,
        "phased": ["INFRAME"] * f, "likelihood": ["HIGH"] * f, "fused_exon_up": [x[5] for x in fusions],
        "fused_exon_down": [x[6] for x in fusions], "chain_length": [0] * f, "junction_copy_number": [x[7] for x in fusions]})
    return {"structural_variant": sv_table, "sv_breakend": be, "fusion": fu}
