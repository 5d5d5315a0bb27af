"""MAF reader: GDC / cBioPortal columns, MAF-style indels, build from NCBI_Build, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconode.ingest.maf import ingest_maf, load_maf
from onconode.ingest.problems import IngestError, Problems

COLUMNS = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification", "Variant_Type",
           "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode", "HGVSc", "HGVSp_Short",
           "Transcript_ID", "t_ref_count", "t_alt_count"]
BRAF = ["BRAF", "GRCh37", "7", "140453136", "140453136", "Missense_Mutation", "SNP", "A", "A", "T", "S1", "ENST00000288602.6:c.1799T>A", "p.V600E", "ENST00000288602", "40", "60"]
DEL = ["TP53", "GRCh37", "17", "7579470", "7579471", "Frame_Shift_Del", "DEL", "GA", "GA", "-", "S1", "c.215del", "p.P72fs", "ENST1", "10", "5"]
INS = ["PTEN", "37", "10", "89692904", "89692905", "Frame_Shift_Ins", "INS", "-", "-", "A", "S2", "", "", "", "", ""]
SILENT = ["KRAS", "GRCh37", "12", "25398285", "25398285", "Silent", "SNP", "C", "C", "T", "S2", "", "", "", "", ""]


def write_maf(path: Path, rows: list[list[str]], version: bool = True) -> Path:
    lines = (["#version 2.4"] if version else []) + ["\t".join(COLUMNS)] + ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_maf_rows_load_with_maf_style_indels_and_default_filter_flag(tmp_path, store):
    report = ingest_maf(store, write_maf(tmp_path / "m.maf", [BRAF, DEL, INS, SILENT]), ref_genome=None)
    assert report.rows == {"somatic_variant": 4, "tumor_profile": 2} and report.samples == ["S1", "S2"]
    rows = {r["gene"]: r for r in store.table("somatic_variant").to_pyarrow().to_pylist()}
    braf = rows["BRAF"]
    assert (braf["ref"], braf["alt"], braf["type"], braf["hgvs_protein"], braf["hgvs_coding"]) == ("A", "T", "SNP", "p.V600E", "c.1799T>A")
    assert (braf["allele_read_count"], braf["total_read_count"], braf["vaf"]) == (60, 100, 0.6)
    assert braf["coding_effect"] == "MISSENSE" and braf["default_filtered"] is False
    assert (rows["TP53"]["ref"], rows["TP53"]["alt"], rows["TP53"]["position"], rows["TP53"]["type"]) == ("GA", "-", 7579470, "INDEL")
    assert (rows["PTEN"]["ref"], rows["PTEN"]["alt"]) == ("-", "A")
    assert rows["KRAS"]["default_filtered"] is True  # Silent: kept but flagged
    assert {r["ref_genome"] for r in store.table("tumor_profile").to_pyarrow().to_pylist()} == {"GRCh37"}


def test_bad_rows_are_all_reported_with_line_and_column_and_nothing_loads(tmp_path, store):
    bad_pos = BRAF[:3] + ["abc"] + BRAF[4:]
    bad_allele = BRAF[:9] + ["X"] + BRAF[10:]
    off_chrom = BRAF[:2] + ["7", "999999999"] + BRAF[4:]
    bad_class = BRAF[:5] + ["Whatever"] + BRAF[6:]
    path = write_maf(tmp_path / "bad.maf", [BRAF, bad_pos, bad_allele, off_chrom, bad_class, BRAF])
    with pytest.raises(IngestError) as info:
        ingest_maf(store, path, ref_genome=None)
    where = [(p.line, p.column) for p in info.value.problems]
    assert where == [(4, "Start_Position"), (5, "Tumor_Seq_Allele2"), (6, "Start_Position"), (7, "Variant_Classification"), (8, None)]
    assert store.counts()["somatic_variant"] == 0


def test_build_conflicts_and_missing_build_are_refused(tmp_path, store):
    with pytest.raises(IngestError, match="--ref-genome says GRCh38"):
        ingest_maf(store, write_maf(tmp_path / "a.maf", [BRAF]), ref_genome="GRCh38")
    no_build = BRAF[:1] + [""] + BRAF[2:]
    with pytest.raises(IngestError, match="pass --ref-genome"):
        ingest_maf(store, write_maf(tmp_path / "b.maf", [no_build]), ref_genome=None)
    report = ingest_maf(store, write_maf(tmp_path / "c.maf", [no_build], version=False), ref_genome="hg19")
    assert report.rows["somatic_variant"] == 1


def test_samples_outside_the_study_are_errors_for_the_cbioportal_reader(tmp_path, store):
    problems = Problems()
    with store.transaction("test") as tx:
        load = load_maf(tx, write_maf(tmp_path / "m.maf", [BRAF, INS]), ref_genome=None, problems=problems, sample_ids={"S1"})
    assert load.rows == 0 and [(p.line, p.column) for p in problems.errors] == [(4, "Tumor_Sample_Barcode")]


def test_missing_required_column_is_named(tmp_path, store):
    path = tmp_path / "x.maf"
    path.write_text("Hugo_Symbol\tChromosome\nBRAF\t7\n")
    with pytest.raises(IngestError, match="Start_Position"):
        ingest_maf(store, path, ref_genome="GRCh37")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(alphabet="ACGT-17X.GRCh3 \t", max_size=12), min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=4))
def test_fuzzed_maf_only_ever_raises_ingest_error(tmp_path, store, rows):
    try:
        ingest_maf(store, write_maf(tmp_path / "f.maf", rows), ref_genome=None)
    except IngestError:
        pass
