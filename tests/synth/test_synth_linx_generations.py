"""`synth --wigits 2.x` writes LINX in the LINX 2.0-2.2 layout (C/linx/LinxSvAnnotation.java,
LinxBreakend.java, LinxFusion.java before 2.3: one `vcfId`, no coordinates or type in
svs.tsv, a `reportedDisruption` boolean in breakend.tsv, the trailing gene / context /
transcript / `junctionCopyNumber` columns in fusion.tsv), and PURPLE's SV VCF that LINX's
ids point into. Ingest reads either generation into the same rows."""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.hmftools.layouts import LAYOUTS
from onconode.store import Store
from onconode.synth import write_cohort

LINX_TABLES = ("structural_variant", "sv_breakend", "fusion")


def _header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split("\t")


def _layout(kind: str, label: str) -> list[str]:
    return next(list(l.header) for l in LAYOUTS[kind] if l.versions == label)


# LINX 2.3 no longer writes a fusion partner's context ("Intron 6"): it is neither in its
# fusion.tsv nor rebuilt, so only the 2.x rows have it.
DROPPED_IN_2_3 = {"five_prime_context", "three_prime_context"}


def _rows(store: Store, table: str) -> list[tuple]:
    rel = store.con.sql(store.relation_sql(table, store.current_version))
    cols = [c for c in rel.columns if not c.startswith("_") and c not in DROPPED_IN_2_3]
    return sorted(tuple(r) for r in rel.select(", ".join(f'"{c}"' for c in cols)).fetchall())


def test_2x_linx_files_have_the_linx_2_0_to_2_2_headers_and_3_0_the_2_3_headers(tmp_path: Path):
    for generation, label in (("2.x", "LINX 2.0-2.2"), ("3.0", "LINX 2.3")):
        write_cohort(tmp_path / generation, patients=2, seed=4, median_variants=20, generation=generation)
        linx = tmp_path / generation / "hmftools" / "HMF000001A" / "linx" / "somatic_annotations"
        for kind, suffix in (("linx_svs", "svs"), ("linx_breakend", "breakend"), ("linx_fusion", "fusion")):
            assert _header(linx / f"HMF000001A.linx.{suffix}.tsv") == _layout(kind, label), (generation, kind)
        assert (tmp_path / generation / "hmftools" / "HMF000001A" / "purple" / "HMF000001A.purple.sv.vcf.gz").is_file()


def test_a_patient_synthesised_in_both_generations_ingests_into_the_same_linx_rows(tmp_path: Path):
    stores = {}
    try:
        for generation in ("2.x", "3.0"):
            write_cohort(tmp_path / generation, patients=10, seed=11, median_variants=20, generation=generation)
            store = stores[generation] = Store.init(tmp_path / f"store-{generation}")
            report = ingest_hmftools(store, tmp_path / generation / "hmftools")
            assert not report.warnings, report.warnings
            assert [p for p in report.problems if not p.message.startswith("not stored:")] == []
        for table in LINX_TABLES:
            old, new = _rows(stores["2.x"], table), _rows(stores["3.0"], table)
            assert old and old == new, table
        # every SV has its coordinates and type, which LINX 2.0-2.2 leaves to PURPLE's SV VCF
        (missing,), = stores["2.x"].con.execute(
            "SELECT count(*) FROM structural_variant WHERE start_position IS NULL OR type IS NULL").fetchall()
        assert missing == 0
        (jcn,), = stores["2.x"].con.execute("SELECT count(*) FROM fusion WHERE junction_copy_number IS NULL").fetchall()
        assert jcn == 0
    finally:
        for s in stores.values():
            s.close()
