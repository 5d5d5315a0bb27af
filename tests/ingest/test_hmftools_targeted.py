"""Targeted-panel (oncoanalyser `--mode targeted --panel tso500`) runs: recognised, tied to
their panel's genes, and counted only for those genes.

The run folders are the real COLO829 PURPLE / LINX outputs (symlinks to the fixtures) turned
into a targeted run as PURPLE writes one: purity.tsv `targeted` = true, a
`.purple.target_region_cn.tsv` in the header of PURPLE's writer (TargetRegionsCopyNumber
.java, R3.0) with rows in its format, and nf-core's `pipeline_info/params_<time>.json`
naming the panel. No CHORD: targeted runs have none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, frequency
from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.problems import IngestError
from onconode.interfaces.cli.main import app
from test_hmftools_support import read_text, replace_with_text, sample_folder

# PURPLE's TargetRegionsCopyNumber.tsvFileHeader() (purple/.../targeted/, R3.0)
HEADER = ("chromosome", "windowStart", "windowEnd", "bedRegions", "masked", "averageDepth", "windowGCContent",
          "windowTumorRatio", "regionStart", "regionEnd", "copyNumber", "minorAlleleCopyNumber", "depthWindowCount",
          "bafCount", "germlineStatus", "copyNumberMethod")
TARGET_ROWS = (
    "1\t1785001\t1786000\tGNB1_exon_12:1785285-1785744;GNB1_exon_12:1785773-1787052\tfalse\t1294.0570\t0.4725\t1.0372\t1"
    "\t107865000\t2.0665\t0.5629\t190\t93\tDIPLOID\tBAF_WEIGHTED\n"
    "1\t1786001\t1787000\tGNB1_exon_12:1785773-1787052\tfalse\t2158.7840\t0.3947\t1.0170\t1\t107865000\t2.0665\t0.5629\t190"
    "\t93\tDIPLOID\tBAF_WEIGHTED\n"
)
# A panel of COLO829's driver genes without PTEN (deleted in COLO829) and SF3B1.
PANEL_GENES = ("BRAF", "CDKN2A", "EGFR", "HDAC2", "TERT", "TP53", "TP63")
WGS_ONLY = {"chord"}


def panel_file(folder: Path, stable_id: str = "TSO500", genes: tuple[str, ...] = PANEL_GENES) -> Path:
    """A cBioPortal gene panel file, the format onconode reads panel definitions in."""
    path = folder / f"data_gene_panel_{stable_id.lower()}.txt"
    path.write_text(f"stable_id: {stable_id}\ndescription: test panel\ngene_list: {chr(9).join(genes)}\n", encoding="utf-8")
    return path


def targeted_run(hmf: Path, dest: Path, prefix: str, *, panel: str | None = "tso500", tumour_only_vcf: bool = False) -> Path:
    """The COLO829 outputs as an oncoanalyser targeted run of the sample `prefix`."""
    folder = sample_folder(hmf, dest, prefix=prefix, without=WGS_ONLY)
    purity = read_text(next(folder.glob("*.purple.purity.tsv")))
    header, row = purity.splitlines()[:2]
    replace_with_text(folder, "purple_purity", f"{header}\n{row.rsplit(chr(9), 1)[0]}\ttrue\n")
    (folder / f"{prefix}.purple.target_region_cn.tsv").write_text("\t".join(HEADER) + "\n" + TARGET_ROWS, encoding="utf-8")
    if panel is not None:
        (dest / "pipeline_info").mkdir()
        (dest / "pipeline_info" / "params_2026-06-01_10-00-00.json").write_text(
            json.dumps({"input": "samplesheet.csv", "mode": "targeted", "panel": panel, "genome": "GRCh37_hmf"}), encoding="utf-8")
    if tumour_only_vcf:
        vcf = read_text(next(folder.glob("*.purple.somatic.vcf.gz")))
        vcf = vcf.replace("##INFO=<ID=SUBCL,", '##INFO=<ID=SOM_LH,Number=1,Type=String,Description="Panel somatic likelihood '
                          '[HIGH,MEDIUM,LOW]">\n##INFO=<ID=VAF_DIS_MIN,Number=2,Type=Float,Description="Panel germline VAF '
                          'distance, somatic VAF distance">\n##INFO=<ID=SUBCL,', 1)
        replace_with_text(folder, "purple_somatic_vcf", vcf, gz=True)
    return folder


def rows(store, table: str) -> list[dict]:
    return store.con.sql(store.relation_sql(table, store.current_version)).to_arrow_table().to_pylist()


@pytest.fixture
def panel_run(hmftools_fixtures: Path, tmp_path: Path) -> Path:
    return targeted_run(hmftools_fixtures, tmp_path / "run", "PANEL1")


def test_a_targeted_run_is_registered_as_profiled_by_its_panel_with_the_panels_genes(store, panel_run, tmp_path):
    report = ingest_hmftools(store, panel_run, gene_panel_files=[panel_file(tmp_path)])
    assert sorted((r["profile"], r["panel_id"]) for r in rows(store, "sample_gene_panel") if r["sample_id"] == "PANEL1") == [
        ("cna", "TSO500"), ("mutations", "TSO500"), ("structural_variants", "TSO500")]
    assert sorted(r["gene"] for r in rows(store, "gene_panel") if r["panel_id"] == "TSO500") == sorted(PANEL_GENES)
    [profile] = rows(store, "tumor_profile")
    assert profile["targeted"] is True
    # PURPLE's panel estimates land where WGS values do; `targeted` tells them apart (data dictionary)
    assert (profile["tmb_per_mb"], profile["tml"], profile["tmb_status"]) == (13.7219, 184, "HIGH")
    assert report.rows["gene_panel"] == len(PANEL_GENES)


def test_the_target_region_file_is_checked_and_listed_as_not_stored_with_the_reason(store, panel_run, tmp_path):
    report = ingest_hmftools(store, panel_run, gene_panel_files=[panel_file(tmp_path)])
    target = str(next(panel_run.glob("*.target_region_cn.tsv")))
    assert report.layouts[target] == ["4.2-4.5 (targeted mode)"]
    columns = {n["column"]: n["reason"] for n in report.not_stored if n["file"] == target}
    assert list(columns) == list(HEADER)
    assert "no table of COBALT windows" in columns["copyNumber"]
    assert not report.files_not_read


def test_a_target_region_file_of_an_unknown_layout_is_refused_naming_its_columns(store, panel_run, tmp_path):
    path = next(panel_run.glob("*.target_region_cn.tsv"))
    path.write_text("chromosome\twindowStart\twindowEnd\tpanelRegions\tmasked\n1\t1\t1000\tX\tfalse\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        ingest_hmftools(store, panel_run, gene_panel_files=[panel_file(tmp_path)])
    assert "panelRegions" in str(err.value) and "targeted mode" in str(err.value)


def test_a_panel_definition_beside_the_runs_is_found_and_kept_for_later_runs(store, hmftools_fixtures, tmp_path):
    batch = tmp_path / "batch"
    targeted_run(hmftools_fixtures, batch / "run1", "PANEL1")
    panel_file(batch)
    ingest_hmftools(store, batch / "run1" / "..")
    # the next run arrives alone: the store already knows TSO500
    targeted_run(hmftools_fixtures, tmp_path / "later", "PANEL2")
    ingest_hmftools(store, tmp_path / "later")
    assert {r["sample_id"] for r in rows(store, "sample_gene_panel")} == {"PANEL1", "PANEL2"}


def test_a_targeted_run_without_a_known_panel_definition_is_an_error_naming_sample_panel_and_remedy(store, panel_run):
    with pytest.raises(IngestError) as err:
        ingest_hmftools(store, panel_run)
    text = str(err.value)
    assert "PANEL1" in text and "tso500" in text
    assert "--gene-panel data_gene_panel_tso500.txt" in text and "stable_id: tso500" in text
    assert rows(store, "tumor_profile") == []   # nothing loaded


def test_a_targeted_run_whose_panel_nothing_names_is_an_error_until_panel_is_given(store, hmftools_fixtures, tmp_path):
    run = targeted_run(hmftools_fixtures, tmp_path / "run", "PANEL1", panel=None)
    with pytest.raises(IngestError) as err:
        ingest_hmftools(store, run, gene_panel_files=[panel_file(tmp_path)])
    assert "PANEL1" in str(err.value) and "--panel" in str(err.value)
    ingest_hmftools(store, run, panel="TSO500", gene_panel_files=[panel_file(tmp_path)])
    assert len(rows(store, "sample_gene_panel")) == 3


def test_panel_given_for_a_whole_genome_run_is_refused(store, hmftools_fixtures, tmp_path):
    wgs = sample_folder(hmftools_fixtures, tmp_path / "wgs", prefix="WGS1")
    with pytest.raises(IngestError, match="whole-genome run"):
        ingest_hmftools(store, wgs, panel="tso500", gene_panel_files=[panel_file(tmp_path)])


def test_tumour_only_panel_vcf_fields_are_listed_as_not_stored(store, hmftools_fixtures, tmp_path):
    run = targeted_run(hmftools_fixtures, tmp_path / "run", "PANEL1", tumour_only_vcf=True)
    report = ingest_hmftools(store, run, gene_panel_files=[panel_file(tmp_path)])
    vcf = str(next(run.glob("*.purple.somatic.vcf.gz")))
    assert {n["column"] for n in report.not_stored if n["file"] == vcf} == {"INFO/SOM_LH", "INFO/VAF_DIS_MIN"}


def test_cli_loads_a_panel_run_with_its_gene_panel_file(tmp_path, hmftools_fixtures):
    run = targeted_run(hmftools_fixtures, tmp_path / "run", "PANEL1")
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    refused = runner.invoke(app, ["--home", str(home), "ingest", "hmftools", str(run)])
    assert refused.exit_code != 0 and "--gene-panel" in refused.output
    done = runner.invoke(app, ["--home", str(home), "ingest", "hmftools", str(run), "--gene-panel", str(panel_file(tmp_path))])
    assert done.exit_code == 0, done.output


def test_frequencies_over_whole_genomes_and_panels_count_a_panel_sample_only_for_its_genes(store, hmftools_fixtures, tmp_path):
    """COLO829 as a whole genome (patient P1) and as a TSO500 run (patient P2): PTEN is deleted
    in both, but the panel does not cover PTEN, so PTEN is 1 of 1 profiled, not 2 of 2 nor 1 of 2."""
    batch = tmp_path / "batch"
    sample_folder(hmftools_fixtures, batch / "wgs", prefix="WGS1")
    targeted_run(hmftools_fixtures, batch / "panel", "PANEL1")
    panel_file(batch)
    (batch / "samplesheet.csv").write_text("group_id,subject_id,sample_id,sample_type,sequence_type,filetype,filepath\n"
                                           "G1,P1,WGS1,tumor,dna,bam,x\nG2,P2,PANEL1,tumor,dna,bam,y\n", encoding="utf-8")
    ingest_hmftools(store, batch)
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    got = frequency.alteration_frequency(snap, everyone, ["PTEN", "EGFR", "SF3B1"], kinds=("MUTATION", "DEL")).exact()
    table = {(r["gene"], r["kind"]): (r["altered"], r["profiled"]) for r in got["rows"]}
    assert table[("PTEN", "DEL")] == (1, 1)
    assert table[("EGFR", "MUTATION")] == (2, 2)
    assert table[("SF3B1", "MUTATION")][1] == 1
    assert got["profiled"]["MUTATION"] == 2
    # a comparison of the two patients: the panel patient is no PTEN wild type, it is not profiled for PTEN
    wgs = cohorts.evaluate(snap, {"op": "hrd", "status": ["HR_PROFICIENT"]})   # CHORD ran on the whole genome only
    panel = everyone.without(wgs)
    res = compare.compare(snap, {"wgs": wgs, "panel": panel}, ["PTEN", "EGFR"], kinds=("MUTATION", "DEL")).exact()
    rows = {(r["gene"], r["kind"]): (r["altered"], r["profiled"]) for r in res["alterations"]}
    assert rows[("PTEN", "DEL")] == ([1, 0], [1, 0])
    assert rows[("EGFR", "MUTATION")] == ([1, 1], [1, 1])

