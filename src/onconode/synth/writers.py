"""`onconode synth --out DIR`: hmftools sample folders plus the clinical TSV folder."""

from __future__ import annotations

from pathlib import Path

from onconode.progress import Progress, silent
from onconode.synth.cohort import build
from onconode.synth.genome import DEFAULT_GENERATION, sample_tables
from onconode.synth.mode import mode
from onconode.synth.panel import DEFINITION_FILE, definition_text
from onconode.synth.tool_tables import VERSIONS
from onconode.synth.tools import tool_files
from onconode.synth.writers_clinical import write_clinical
from onconode.synth.writers_ecrf import write_ecrf
from onconode.synth.writers_hmftools import write_sample
from onconode.synth.writers_linx import write_linx


def write_cohort(out_dir: Path, *, patients: int, seed: int, median_variants: int | None,
                 progress: Progress = silent, generation: str = DEFAULT_GENERATION) -> str:
    out_dir = Path(out_dir)
    cohort = build(patients, seed)
    write_clinical(out_dir / "clinical", cohort)
    write_ecrf(out_dir / "ecrf", cohort)
    variants = 0
    (out_dir / "hmftools").mkdir(parents=True, exist_ok=True)   # the targeted samples' panel, as the data manager gives it
    (out_dir / "hmftools" / DEFINITION_FILE).write_text(definition_text(), encoding="utf-8")
    with progress("writing samples", len(cohort.params)) as advance:
        for p in cohort.params:
            tables = sample_tables(seed, p, median_variants, generation=generation)
            m = mode(seed, p)
            write_sample(out_dir / "hmftools" / p.sample_id, p.sample_id, tables, tool_files(seed, p, m, generation == "3.0"),
                         m, generation)
            write_linx(out_dir / "hmftools" / p.sample_id, p.sample_id, tables, m, generation, VERSIONS[generation])
            variants += tables["somatic_variant"].num_rows
            advance(1)
    return (f"{len(cohort.patients):,} patients, {len(cohort.params):,} samples, {variants:,} somatic variants, "
            f"{len(cohort.treatments):,} treatments to {out_dir} (hmftools/, clinical/ and the same records as an eCRF export in ecrf/)")
