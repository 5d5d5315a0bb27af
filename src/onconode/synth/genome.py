"""One sample's genome as model rows: somatic variants, copy number, SVs, fusions, the
driver catalogue and the tumour profile, consistent with each other.

Each part is drawn from its own generator seeded by (seed, stream, sample index), so a
sample is the same whatever the cohort size, whichever part is generated first and
whichever process generates it; `--out` and `--into-store` therefore write the same rows.
The parts live in variants.py, copynumber.py, structural.py and catalogue.py.
"""

from __future__ import annotations

import pyarrow as pa

from onconode.ingest.hmftools.tools import TABLES as TOOL_TABLES
from onconode.synth.catalogue import drivers, tumor_profile
from onconode.synth.cohort import MEDIAN_VARIANTS, SampleParams, rng
from onconode.synth.copynumber import gene_copy_numbers, segment_table, segments
from onconode.synth.structural import structural
from onconode.synth.mode import mode
from onconode.synth.panel import on_panel, sample_gene_panel_table
from onconode.synth.tool_tables import tool_tables
from onconode.synth.variants import somatic_variants

VARIANT_STREAM, CN_STREAM, SV_STREAM = 10, 11, 12
SMALL_TABLES = ("copy_number_segment", "gene_copy_number", "driver", "structural_variant", "sv_breakend", "fusion",
                "tumor_profile", "tool_version", "sample_gene_panel", *TOOL_TABLES)
DEFAULT_GENERATION = "3.0"


def scaled_count(p: SampleParams, median_variants: int | None) -> int:
    """Variants written for a sample: its burden, scaled when a smaller median is asked for."""
    if median_variants is None or median_variants == MEDIAN_VARIANTS:
        return p.burden
    return max(1, int(round(p.burden * median_variants / MEDIAN_VARIANTS)))


def sample_tables(seed: int, p: SampleParams, median_variants: int | None, *, variants: bool = True,
                  generation: str = DEFAULT_GENERATION) -> dict[str, pa.Table]:
    """Every genomic table of one sample (somatic variants only when `variants`), as an
    ingest of its WiGiTS `generation` ("3.0" or "2.x") folder stores them."""
    seg = segments(rng(seed, CN_STREAM, p.index), p)
    gcn = gene_copy_numbers(p, seg)
    sv = structural(rng(seed, SV_STREAM, p.index), p)
    out = {"copy_number_segment": segment_table(p, seg), "gene_copy_number": gcn, "driver": drivers(p, gcn), **sv}
    if variants:
        out["somatic_variant"] = somatic_variants(rng(seed, VARIANT_STREAM, p.index), p, seg.at,
                                                  scaled_count(p, median_variants))
    m = mode(seed, p)
    profile = tumor_profile(p, seg, gcn, sv["structural_variant"].num_rows)
    profile = profile.set_column(profile.schema.get_field_index("run_mode"), "run_mode", pa.array([m.run_mode], pa.string()))
    out["tumor_profile"] = profile.set_column(profile.schema.get_field_index("targeted"), "targeted", pa.array([m.targeted]))
    out["sample_gene_panel"] = sample_gene_panel_table(p.sample_id, m.targeted)
    if m.targeted:   # a panel calls in its genes only, and CHORD does not run
        out["driver"] = on_panel(out["driver"])
        if variants:
            out["somatic_variant"] = on_panel(out["somatic_variant"])
        for name in ("hrd_score", "hr_status", "hrd_type"):
            i = out["tumor_profile"].schema.get_field_index(name)
            out["tumor_profile"] = out["tumor_profile"].set_column(
                i, name, pa.nulls(1, out["tumor_profile"].schema.field(name).type))
    out.update(tool_tables(seed, p, m, generation))
    return out


def sample_variants(seed: int, p: SampleParams, median_variants: int | None) -> pa.Table:
    """The somatic variants of one sample (the same rows sample_tables gives)."""
    seg = segments(rng(seed, CN_STREAM, p.index), p)
    return somatic_variants(rng(seed, VARIANT_STREAM, p.index), p, seg.at, scaled_count(p, median_variants))
