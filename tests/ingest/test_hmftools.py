"""`onconode ingest hmftools`: the real COLO829 outputs load into the model as PURPLE, LINX
and CHORD wrote them, whatever the layout, and re-ingesting replaces a sample's rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconode.interfaces.cli.main import app
from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.hmftools.purple import cna_call
from onconode.ingest.problems import IngestError
from test_hmftools_support import data_lines, fixture_files, read_text, sample_folder

GENOMIC = ("tumor_profile", "somatic_variant", "copy_number_segment", "gene_copy_number",
           "structural_variant", "sv_breakend", "fusion", "driver", "sample_gene_panel",
           "germline_amp_del", "chromosome_arm_copy_number", "sv_driver", "sv_cluster", "sv_link", "tool_version")


def rows(store, table: str) -> list[dict]:
    return store.con.sql(store.relation_sql(table, store.current_version)).to_arrow_table().to_pylist()


def tsv(path: Path) -> list[dict]:
    return list(csv.DictReader(read_text(path).splitlines(), delimiter="\t"))


@pytest.fixture
def colo829(hmftools_fixtures: Path, tmp_path: Path) -> Path:
    """COLO829's PURPLE, LINX and CHORD outputs without the somatic VCF (another loader's job)."""
    return sample_folder(hmftools_fixtures, tmp_path / "COLO829", without={"purple_somatic_vcf"})


@pytest.fixture
def loaded(store, colo829):
    report = ingest_hmftools(store, colo829, sample_id="COLO829T")
    return store, report


def test_a_whole_genome_covers_every_gene_even_after_a_panel_import(store, colo829):
    from onconode.ingest.values import to_arrow
    from onconode.model import TABLES_BY_NAME

    with store.transaction("test", "an earlier panel import of the same sample") as tx:
        tx.replace("sample_gene_panel", to_arrow(TABLES_BY_NAME["sample_gene_panel"], [
            {"sample_id": "COLO829T", "profile": "mutations", "panel_id": "IMPACT468"}]), owners=["COLO829T"])
    ingest_hmftools(store, colo829, sample_id="COLO829T")
    assert rows(store, "sample_gene_panel") == []


def test_profile_holds_purple_fit_qc_and_chord(loaded):
    store, _ = loaded
    [p] = rows(store, "tumor_profile")
    assert p["sample_id"] == "COLO829T"
    assert p["ref_genome"] == "GRCh37"  # from the SV VCF header's contig lengths
    assert (p["purity"], p["ploidy"], p["fit_method"], p["gender"]) == (0.99, 3.1, "NORMAL", "MALE")
    assert p["whole_genome_duplication"] is True
    assert (p["msi_status"], p["ms_indels_per_mb"]) == ("MSS", 0.0951)
    assert (p["tmb_per_mb"], p["tmb_status"]) == (13.7219, "HIGH")
    assert (p["tml"], p["tml_status"], p["sv_tmb"]) == (184, "HIGH", 86)
    assert (p["qc_status"], p["mean_depth"], p["contamination"]) == ("PASS", 111.0, 0.0)
    assert (p["copy_number_segments"], p["deleted_genes"]) == (222, 4)
    assert (p["hrd_score"], p["hr_status"]) == (0.0, "HR_PROFICIENT")
    assert p["pipeline"].startswith("hmftools")


def test_every_row_of_every_file_is_loaded(loaded, hmftools_fixtures):
    store, report = loaded
    files = fixture_files(hmftools_fixtures)
    drivers = {(r["gene"], r["transcript"], r["driver"]) for k in ("purple_driver_somatic", "purple_driver_germline", "linx_driver_catalog", "linx_germline_driver_catalog") for r in tsv(files[k])}
    expected = {
        "tumor_profile": 1,
        "copy_number_segment": data_lines(files["purple_cnv_somatic"]),
        "gene_copy_number": data_lines(files["purple_cnv_gene"]),
        "structural_variant": data_lines(files["linx_svs"]),
        "sv_breakend": data_lines(files["linx_breakend"]),
        "fusion": data_lines(files["linx_fusion"]),
        "driver": len(drivers),
        "somatic_variant": 0,
        "sample_gene_panel": 0,   # a whole genome: no panel, every gene
        # the other WiGiTS tools' files of the fixture folder (tests/ingest/test_wigits_tools.py checks their values)
        "cuppa_prediction": sum(1 for r in tsv(files["cuppa_vis_data"]) if r["data_type"] == "prob"),
        "hla_allele": data_lines(files["lilac"]), "hla_qc": data_lines(files["lilac_qc"]),
        "virus": data_lines(files["virus"]), "signature_allocation": data_lines(files["sigs"]),
        "pharmacogenomic_haplotype": 0, "telomere_length": 0, "rna_statistics": data_lines(files["isofox_summary"]),
        "gene_expression": data_lines(files["isofox_gene_data"]), "novel_splice_junction": data_lines(files["isofox_alt_sj"]),
        "rna_fusion": data_lines(files["isofox_fusions"]), "germline_variant": 0, "qc_metric": 0,
        "germline_amp_del": data_lines(files["purple_germline_amp_del"]),
        "chromosome_arm_copy_number": data_lines(files["purple_chromosome_arm"]),
        "sv_driver": data_lines(files["linx_drivers"]),
        "sv_cluster": data_lines(files["linx_clusters"]),
        "sv_link": 0,             # no links.tsv among the fixtures
        "tool_version": 3,        # the SV VCF's ##esveeVersion / ##purpleVersion, and the derived generation
        "germline_sv_breakend": data_lines(files["linx_germline_breakend"]),
        "germline_structural_variant": 0, "cdr3_sequence": 0, "cdr3_locus_summary": 0,   # no such fixtures
    }
    assert expected["germline_amp_del"] == 229 and expected["sv_cluster"] == 60
    assert expected["copy_number_segment"] == 222 and expected["structural_variant"] == 92 and expected["fusion"] == 12
    assert {t: len(rows(store, t)) for t in expected} == expected
    assert report.rows == expected
    assert report.samples == ["COLO829T"]


def test_linx_catalogue_adds_the_pten_disruption_without_repeating_purple_drivers(loaded):
    store, _ = loaded
    drivers = {(r["gene"], r["driver"]): r for r in rows(store, "driver") if r["transcript"] != "ENST00000579755"}
    assert drivers[("BRAF", "MUTATION")]["likelihood_method"] == "HOTSPOT"
    assert drivers[("BRAF", "MUTATION")]["driver_likelihood"] == 1.0
    assert drivers[("PTEN", "DEL")]["min_copy_number"] == 0.0
    assert drivers[("PTEN", "DISRUPTION")]["category"] == "TSG"
    assert sum(1 for r in rows(store, "driver") if r["gene"] == "BRAF") == 1
    assert all(r["reported_status"] is None for r in rows(store, "driver"))  # older files lack reportedStatus
    assert not any(r["germline"] for r in rows(store, "driver"))


def test_fusions_name_their_partner_genes(loaded):
    store, _ = loaded
    fusions = {r["name"]: r for r in rows(store, "fusion")}
    assert (fusions["ITIH5_TXNDC2"]["five_prime_gene"], fusions["ITIH5_TXNDC2"]["three_prime_gene"]) == ("ITIH5", "TXNDC2")
    assert fusions["RARB_TRHDE"]["phased"] == "SKIPPED_EXONS"
    assert fusions["DMD_DMD"]["junction_copy_number"] == 0.9643
    assert (fusions["PTEN_PTEN"]["five_prime_breakend_id"], fusions["PTEN_PTEN"]["three_prime_breakend_id"]) == (190, 193)


def test_linx_svs_and_breakends_keep_cluster_genes_and_old_reported_flag(loaded, hmftools_fixtures):
    store, _ = loaded
    svs = {r["sv_id"]: r for r in rows(store, "structural_variant")}
    assert (svs["4"]["type"], svs["4"]["cluster_id"], svs["4"]["start_gene"]) == ("DEL", 28, "SPAG17")
    breakends = {r["breakend_id"]: r for r in rows(store, "sv_breakend")}
    file_rows = tsv(fixture_files(hmftools_fixtures)["linx_breakend"])
    reported = {int(r["id"]) for r in file_rows if r["reportedDisruption"] == "true"}
    assert reported and {i for i, r in breakends.items() if r["reported"]} == reported
    assert (breakends[0]["gene"], breakends[0]["is_start"], breakends[0]["region_type"]) == ("GDAP2", True, "UPSTREAM")


def test_gene_copy_number_calls_follow_the_documented_rule(loaded):
    store, _ = loaded
    for r in rows(store, "gene_copy_number"):
        assert r["cna_call"] == cna_call(r["min_copy_number"], 3.1)
        assert r["relative_min_copy_number"] == pytest.approx(r["min_copy_number"] / 3.1)


@pytest.mark.parametrize(
    ("min_cn", "ploidy", "call"),
    [(0.3, 3.1, "HOMDEL"), (0.3, None, "HOMDEL"), (9.4, 3.1, "AMP"), (9.3, 3.1, "GAIN"), (4.0, 3.1, "GAIN"),
     (3.1, 3.1, "DIPLOID"), (2.0, 3.1, "HETLOSS"), (2.0, 2.0, "DIPLOID"), (1.0, 2.0, "HETLOSS"), (2.0, None, None)],
)
def test_cna_call_rule(min_cn, ploidy, call):
    assert cna_call(min_cn, ploidy) == call


def test_mixed_case_prefixes_in_the_fixture_folder_are_one_sample(store, hmftools_fixtures, tmp_path):
    """purple/ says tumor_sample, vcf/ and linx clusters say TUMOR_SAMPLE: one sample."""
    nested = tmp_path / "run"
    for sub in ("purple", "linx", "other_tools", "vcf"):
        (nested / sub).mkdir(parents=True)
        for f in (hmftools_fixtures / sub).iterdir():
            if not f.name.endswith("somatic.vcf.gz"):
                (nested / sub / f.name).symlink_to(f)
    report = ingest_hmftools(store, nested, sample="TUMOR_SAMPLE")
    assert report.samples == ["TUMOR_SAMPLE"]
    assert report.rows["structural_variant"] == 92


def test_oncoanalyser_layout(store, hmftools_fixtures, tmp_path):
    group = tmp_path / "output" / "COLO829"
    for sub, kinds in {
        "purple": {"purple_purity", "purple_qc", "purple_cnv_somatic", "purple_cnv_gene", "purple_driver_somatic", "purple_driver_germline", "purple_sv_vcf"},
        "linx/somatic_annotations": {"linx_svs", "linx_breakend", "linx_fusion", "linx_driver_catalog"},
        "chord": {"chord"},
    }.items():
        sample_folder(hmftools_fixtures, group / sub, prefix="COLO829T", only=kinds)
    report = ingest_hmftools(store, tmp_path / "output")
    assert report.samples == ["COLO829T"]
    assert report.rows["fusion"] == 12 and report.rows["driver"] == 9


def test_a_folder_of_sample_folders_loads_every_sample_in_one_version(store, hmftools_fixtures, tmp_path):
    for name in ("S1T", "S2T"):
        sample_folder(hmftools_fixtures, tmp_path / "batch" / name, prefix=name, without={"purple_somatic_vcf"})
    report = ingest_hmftools(store, tmp_path / "batch")
    assert report.samples == ["S1T", "S2T"]
    assert store.current_version == 1
    assert len(rows(store, "copy_number_segment")) == 2 * 222


def test_as_needs_a_single_sample(store, hmftools_fixtures, tmp_path):
    for name in ("S1T", "S2T"):
        sample_folder(hmftools_fixtures, tmp_path / "batch" / name, prefix=name, without={"purple_somatic_vcf"})
    with pytest.raises(IngestError, match="--as names one sample"):
        ingest_hmftools(store, tmp_path / "batch", sample_id="X")


def test_reingest_replaces_rows_and_keeps_the_old_ones_as_history(store, colo829):
    first = ingest_hmftools(store, colo829, sample_id="COLO829T")
    before = store.counts()
    second = ingest_hmftools(store, colo829, sample_id="COLO829T")
    assert store.counts() == before
    assert second.version == first.version + 1
    retired = store.con.execute('SELECT count(*) FROM copy_number_segment WHERE "_removed" = ?', [second.version]).fetchall()[0][0]
    assert retired == 222
    assert store.counts(None) == store.counts()


def test_reingest_without_a_file_retires_that_tables_old_rows(store, hmftools_fixtures, tmp_path):
    full = sample_folder(hmftools_fixtures, tmp_path / "full", without={"purple_somatic_vcf"})
    ingest_hmftools(store, full, sample_id="S")
    fewer = sample_folder(hmftools_fixtures, tmp_path / "fewer", without={"purple_somatic_vcf", "linx_fusion"})
    report = ingest_hmftools(store, fewer, sample_id="S")
    assert report.rows["fusion"] == 0
    assert rows(store, "fusion") == []
    assert len(rows(store, "sv_breakend")) == 346


def test_current_cnv_gene_layout_reads_like_the_legacy_one(store, hmftools_fixtures, tmp_path):
    """PURPLE 4 added isCanonical, relativeMinCopyNumber, ... and dropped the v3 columns."""
    legacy = tsv(fixture_files(hmftools_fixtures)["purple_cnv_gene"])
    header = ["chromosome", "start", "end", "gene", "minCopyNumber", "maxCopyNumber", "somaticRegions", "transcriptId",
              "isCanonical", "chromosomeBand", "minRegions", "minRegionStart", "minRegionEnd", "minRegionStartSupport",
              "minRegionEndSupport", "minRegionMethod", "minMinorAlleleCopyNumber", "relativeMinCopyNumber",
              "depthWindowCount", "gcContent", "reportedStatus", "driverType"]
    lines = ["\t".join(header)]
    for r in legacy:
        r = dict(r, isCanonical="true", relativeMinCopyNumber="0.5", depthWindowCount="10", gcContent="0.4",
                 reportedStatus="NONE", driverType="")
        lines.append("\t".join(r[h] for h in header))
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", without={"purple_somatic_vcf", "purple_cnv_gene"})
    (folder / "tumor_sample.purple.cnv.gene.tsv").write_text("\n".join(lines) + "\n")
    ingest_hmftools(store, folder, sample_id="CUR")
    current = {r["gene"]: r for r in rows(store, "gene_copy_number")}
    assert len(current) == len(legacy)
    first = legacy[0]
    row = current[first["gene"]]
    assert (row["min_copy_number"], row["transcript"], row["is_canonical"]) == (float(first["minCopyNumber"]), first["transcriptId"], True)
    assert row["relative_min_copy_number"] == 0.5
    assert row["min_region_method"] == first["minRegionMethod"]


def test_current_linx_layouts_reported_status_and_genes_from_breakends(store, hmftools_fixtures, tmp_path):
    files = fixture_files(hmftools_fixtures)
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", without={"purple_somatic_vcf", "linx_breakend", "linx_fusion"})
    old = tsv(files["linx_breakend"])
    head = ["id", "svId", "vcfId", "coords", "isStart", "gene", "transcriptId", "canonical", "geneOrientation", "disruptive",
            "reportedStatus", "undisruptedCopyNumber", "regionType", "codingType", "biotype", "exonicBasePhase",
            "nextSpliceExonRank", "nextSpliceExonPhase", "nextSpliceDistance", "totalExonCount", "exonUp", "exonDown"]
    lines = ["\t".join(head)]
    for r in old:
        r = dict(r, vcfId="1", coords="1:1000:1", reportedStatus="REPORTED" if r["reportedDisruption"] == "true" else "NONE")
        lines.append("\t".join(r[h] for h in head))
    (folder / "tumor_sample.linx.breakend.tsv").write_text("\n".join(lines) + "\n")
    fhead = ["fivePrimeBreakendId", "threePrimeBreakendId", "name", "reported", "reportedType", "reportableReasons", "phased",
             "likelihood", "fivePrimeVcfId", "threePrimeVcfId", "fivePrimeCoords", "threePrimeCoords", "chainLength",
             "chainLinks", "chainTerminated", "domainsKept", "domainsLost", "skippedExonsUp", "skippedExonsDown",
             "fusedExonUp", "fusedExonDown"]
    flines = ["\t".join(fhead)]
    for r in tsv(files["linx_fusion"]):
        r = dict(r, fivePrimeVcfId="1", threePrimeVcfId="2", fivePrimeCoords="1:1000:1", threePrimeCoords="1:2000:-1")
        flines.append("\t".join(r[h] for h in fhead))
    (folder / "tumor_sample.linx.fusion.tsv").write_text("\n".join(flines) + "\n")
    ingest_hmftools(store, folder, sample_id="NEW")
    reported = {r["breakend_id"] for r in rows(store, "sv_breakend") if r["reported"]}
    assert reported == {int(r["id"]) for r in old if r["reportedDisruption"] == "true"}
    fusions = {r["name"]: r for r in rows(store, "fusion")}
    assert len(fusions) == 12
    assert (fusions["RARB_BICC1"]["five_prime_gene"], fusions["RARB_BICC1"]["three_prime_gene"]) == ("RARB", "BICC1")


def test_driver_catalogue_with_reported_status_and_germline_rows(store, hmftools_fixtures, tmp_path):
    files = fixture_files(hmftools_fixtures)
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", without={"purple_somatic_vcf", "purple_driver_somatic", "purple_driver_germline", "linx_driver_catalog"})
    somatic = tsv(files["purple_driver_somatic"])
    head = list(somatic[0])
    head.insert(head.index("driverLikelihood"), "reportedStatus")
    lines = ["\t".join(head)] + ["\t".join(dict(r, reportedStatus="REPORTED")[h] for h in head) for r in somatic]
    (folder / "tumor_sample.purple.driver.catalog.somatic.tsv").write_text("\n".join(lines) + "\n")
    germ = dict(somatic[1], gene="BRCA2", chromosome="13", chromosomeBand="q13.1", transcript="ENST00000380152",
                driver="GERMLINE_MUTATION", category="TSG", likelihoodMethod="GERMLINE", reportedStatus="REPORTED")
    (folder / "tumor_sample.purple.driver.catalog.germline.tsv").write_text("\t".join(head) + "\n" + "\t".join(germ[h] for h in head) + "\n")
    ingest_hmftools(store, folder, sample_id="RS")
    drivers = rows(store, "driver")
    assert len(drivers) == len(somatic) + 1
    assert all(r["reported_status"] == "REPORTED" for r in drivers)
    assert [r["gene"] for r in drivers if r["germline"]] == ["BRCA2"]


def test_sv_vcf_alone_pairs_mates_and_leaves_single_breakends_open(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "purple_sv_vcf"})
    ingest_hmftools(store, folder, sample_id="SV")
    records = [l.split("\t") for l in read_text(fixture_files(hmftools_fixtures)["purple_sv_vcf"]).splitlines() if not l.startswith("#")]
    kept = [r for r in records if r[6] in ("PASS", "INFERRED")]
    with_mate = [r for r in kept if "MATEID=" in r[7]]
    expected = len(with_mate) // 2 + (len(kept) - len(with_mate))
    svs = rows(store, "structural_variant")
    assert len(svs) == expected == 123
    singles = [r for r in svs if r["type"] in ("SGL", "INF")]
    assert len(singles) == len(kept) - len(with_mate)
    assert all(r["end_chromosome"] is None and r["end_position"] is None for r in singles)
    first = next(r for r in svs if r["sv_id"] == "1896")  # 1:63259284 C[3:41074027[ style BND
    assert (first["type"], first["start_chromosome"], first["end_chromosome"], first["end_position"]) == ("BND", "1", "3", 41074027)
    assert first["start_orientation"] == 1 and first["filter"] == "PASS"


def test_orange_json_alone(store, hmftools_fixtures):
    path = hmftools_fixtures / "orange" / "real.orange.json"
    record = json.loads(path.read_text())
    report = ingest_hmftools(store, path, sample_id="HMF000001A")
    [p] = rows(store, "tumor_profile")
    fit, chars = record["purple"]["fit"], record["purple"]["characteristics"]
    assert p["ref_genome"] == "GRCh37" and p["pipeline"] == "hmftools pipeline 6.0 (ORANGE)"
    assert (p["purity"], p["ploidy"], p["tmb_per_mb"], p["msi_status"]) == (fit["purity"], fit["ploidy"], chars["tumorMutationalBurdenPerMb"], "MSS")
    assert (p["qc_status"], p["copy_number_segments"], p["hr_status"]) == ("PASS", 222, "HR_PROFICIENT")
    assert {(d["gene"], d["driver"]) for d in rows(store, "driver")} == {(d["gene"], d["type"]) for d in record["purple"]["somaticDrivers"]}
    [v] = rows(store, "somatic_variant")
    assert (v["gene"], v["position"], v["hgvs_protein"], v["canonical_effect"]) == ("SF3B1", 198266779, "p.Pro718Leu", "missense_variant")
    assert v["vaf"] == pytest.approx(70 / 107)
    [cn] = rows(store, "gene_copy_number")
    assert (cn["gene"], cn["cna_call"]) == ("PTEN", "HOMDEL")
    [f] = rows(store, "fusion")
    assert (f["name"], f["five_prime_gene"], f["likelihood"]) == ("DMD_DMD", "DMD", "HIGH")
    assert report.rows["sv_breakend"] == 1
    assert "sample" not in {t for t, n in store.counts().items() if n}  # the configured tumour is clinical data's


def test_orange_germline_drivers_and_an_empty_record(store, hmftools_fixtures):
    ingest_hmftools(store, hmftools_fixtures / "orange" / "minimally.populated.orange.json", sample_id="P")
    assert [d["gene"] for d in rows(store, "driver") if d["germline"]] == ["BRCA1"]
    report = ingest_hmftools(store, hmftools_fixtures / "orange" / "minimally.empty.orange.json", sample_id="E")
    assert report.rows["tumor_profile"] == 1 and sum(report.rows.values()) == 1


def test_orange_fills_what_the_folder_lacks(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "purple_cnv_somatic"})
    (folder / "tumor_sample.orange.json").symlink_to(hmftools_fixtures / "orange" / "real.orange.json")
    ingest_hmftools(store, folder, sample_id="MIX")
    [p] = rows(store, "tumor_profile")
    assert p["purity"] == 0.99 and p["tmb_per_mb"] == 13.7219  # from purity.tsv
    assert p["qc_status"] == "PASS" and p["hr_status"] == "HR_PROFICIENT"  # from ORANGE: no .qc / CHORD file
    assert len(rows(store, "copy_number_segment")) == 222
    assert {d["gene"] for d in rows(store, "driver")} == {"TERT", "PTEN"}


def test_reference_genome_must_be_known(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "purple_cnv_somatic"})
    with pytest.raises(IngestError, match="--ref-genome"):
        ingest_hmftools(store, folder)
    report = ingest_hmftools(store, folder, ref_genome="hg19")
    assert rows(store, "tumor_profile")[0]["ref_genome"] == "GRCh37" and report.rows["copy_number_segment"] == 222


def test_ref_genome_option_contradicting_the_files_is_refused(store, colo829):
    with pytest.raises(IngestError, match="inconsistent.*GRCh37.*GRCh38"):
        ingest_hmftools(store, colo829, ref_genome="GRCh38")


def test_a_sample_is_never_moved_to_another_build(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "purple_qc"})
    ingest_hmftools(store, folder, sample_id="B", ref_genome="GRCh37")
    version = store.current_version
    with pytest.raises(IngestError, match="holds sample B on GRCh37"):
        ingest_hmftools(store, folder, sample_id="B", ref_genome="GRCh38")
    assert store.current_version == version


def test_somatic_vcf_goes_through_the_vcf_loader(store, hmftools_fixtures):
    report = ingest_hmftools(store, hmftools_fixtures, sample="tumor_sample", sample_id="COLO829T")
    records = [l for l in read_text(fixture_files(hmftools_fixtures)["purple_somatic_vcf"]).splitlines() if not l.startswith("#")]
    variants = rows(store, "somatic_variant")
    assert report.rows["somatic_variant"] == len(variants) == len(records) == 9
    egfr = next(v for v in variants if v["gene"] == "EGFR")
    assert (egfr["chromosome"], egfr["position"], egfr["hotspot"]) == ("7", 55249071, "HOTSPOT")
    assert {v["sample_id"] for v in variants} == {"COLO829T"}


def test_cli_ingest_then_stats(hmftools_fixtures, tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "node")
    assert runner.invoke(app, ["--home", home, "init"]).exit_code == 0
    result = runner.invoke(app, ["--home", home, "ingest", "hmftools", str(hmftools_fixtures), "--sample", "tumor_sample", "--as", "COLO829T"])
    assert result.exit_code == 0, result.output
    stats = runner.invoke(app, ["--home", home, "stats", "--json"])
    counts = json.loads(stats.stdout)
    assert counts["version"] == 1
    assert (counts["tumor_profile"], counts["copy_number_segment"], counts["structural_variant"], counts["fusion"], counts["somatic_variant"]) == (1, 222, 92, 12, 9)


def test_cli_reports_problems_and_exits_2(hmftools_fixtures, tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "node")
    runner.invoke(app, ["--home", home, "init"])
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity"})
    result = runner.invoke(app, ["--home", home, "ingest", "hmftools", str(folder)])
    assert result.exit_code == 2
    assert "--ref-genome" in result.output
