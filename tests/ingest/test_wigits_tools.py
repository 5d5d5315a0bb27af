"""The WiGiTS tools beyond PURPLE / LINX: CUPPA, LILAC, Virus Interpreter, SIGS, PEACH,
TEAL, Isofox, QSEE and PURPLE's germline VCF load by header, in every layout onconode
knows, from the real fixtures where Hartwig published one and otherwise from files
written here with the header of the tool's Java / Python writer (cited per test)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.problems import IngestError
from test_hmftools_support import sample_folder

pytestmark = pytest.mark.usefixtures("store")


def rows(store, table: str) -> list[dict]:
    return store.con.sql(store.relation_sql(table, store.current_version)).to_arrow_table().to_pylist()


def write(path: Path, header: list[str], *lines: list[object], gz: bool = False) -> Path:
    text = "\n".join("\t".join(str(v) for v in line) for line in [header, *lines]) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


# PURPLE 4.1-4.5 purity.tsv (C/purple/PurplePurity.java), a fit of purity 0.5 and ploidy 2
PURITY_HEADER = ("purity normFactor score diploidProportion ploidy gender status polyclonalProportion minPurity maxPurity "
                 "minPloidy maxPloidy minDiploidProportion maxDiploidProportion somaticPenalty wholeGenomeDuplication "
                 "msIndelsPerMb msStatus tml tmlStatus tmbPerMb tmbStatus svTumorMutationalBurden runMode targeted").split()
PURITY_ROW = [0.5, 0.64, 0.61, 0.02, 2.0, "MALE", "NORMAL", 0.09, 0.48, 0.52, 1.95, 2.05, 0.02, 0.02, 0.0, "false",
              0.1, "MSS", 50, "LOW", 3.2, "LOW", 20, "TUMOR_GERMLINE", "false"]


def purity_file(path: Path) -> Path:
    return write(path, PURITY_HEADER, PURITY_ROW)


@pytest.fixture
def tools_folder(hmftools_fixtures: Path, tmp_path: Path) -> Path:
    """COLO829's PURPLE fit plus the other tools' real fixture files (no VCFs)."""
    return sample_folder(hmftools_fixtures, tmp_path / "s", only={
        "purple_purity", "purple_qc", "cuppa_vis_data", "lilac", "lilac_qc", "virus", "sigs",
        "isofox_summary", "isofox_gene_data", "isofox_alt_sj", "isofox_fusions"})


def ingest(store, folder: Path, **kw):
    return ingest_hmftools(store, folder, ref_genome="GRCh37", **kw)


# -- CUPPA -----------------------------------------------------------------------------

def test_cuppa_vis_data_keeps_each_classifiers_probabilities_and_reports_the_rest(store, tools_folder):
    report = ingest(store, tools_folder, sample_id="S1")
    got = rows(store, "cuppa_prediction")
    assert len(got) == 160 and {r["classifier"] for r in got} == {"dna_combined", "gen_pos", "snv96", "event"}
    top = [r for r in got if r["classifier"] == "dna_combined" and r["rank"] == 1]
    assert [(t["cancer_type"], round(t["probability"], 4)) for t in top] == [("Skin: Melanoma", 1.0)]
    said = " ".join(str(p) for p in report.problems)
    assert "not stored: 120 cv_performance rows, 720 feat_contrib rows, 200 sig_quantile rows" in said


def test_cuppa_pred_summ_gives_the_top_three_when_there_is_no_vis_data(store, tmp_path):
    # header of pycuppa classifier/cuppa_prediction.py (CuppaPredSummary)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1.cuppa.pred_summ.tsv",
          ["sample_id", "clf_group", "clf_name", "pred_class_1", "pred_class_2", "pred_class_3", "pred_prob_1",
           "pred_prob_2", "pred_prob_3", "extra_info", "extra_info_format"],
          ["T1", "combined", "combined", "Lung: Non-small cell", "Breast", "Skin: Melanoma", 0.8, 0.15, 0.05, "", ""],
          ["T1", "dna", "dna_combined", "Lung: Non-small cell", "Breast", "HPB: Liver", 0.7, 0.2, 0.1, "", ""])
    ingest(store, folder)
    got = sorted((r["classifier"], r["rank"], r["cancer_type"], r["probability"]) for r in rows(store, "cuppa_prediction"))
    assert got[:3] == [("combined", 1, "Lung: Non-small cell", 0.8), ("combined", 2, "Breast", 0.15),
                       ("combined", 3, "Skin: Melanoma", 0.05)]
    assert len(got) == 6


# -- LILAC -----------------------------------------------------------------------------

def test_lilac_1_alleles_are_numbered_per_gene_and_qc_folds_the_per_gene_columns(store, tools_folder):
    ingest(store, tools_folder, sample_id="S1")
    alleles = sorted((r["gene"], r["allele_index"], r["allele"], r["tumor_copy_number"]) for r in rows(store, "hla_allele"))
    assert alleles[:2] == [("HLA-A", 1, "A*01:01", 2.0), ("HLA-A", 2, "A*01:01", 1.83)]
    assert {a[0] for a in alleles} == {"HLA-A", "HLA-B", "HLA-C"}
    (qc,) = rows(store, "hla_qc")
    assert (qc["gene_group"], qc["status"], qc["low_coverage_bases"], qc["gene_types"], qc["total_fragments"]) == \
        ("HLA_CLASS_I", "PASS", 0, "1;2;2", 1296)


def test_lilac_2_reads_genes_and_class_two_alleles(store, tmp_path):
    # LILAC 2.0 header: C/hla/LilacAllele.java (leading Genes) and lilac/.../qc/LilacQC.java
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    counts = ["RefTotal", "RefUnique", "RefShared", "RefWild", "TumorTotal", "TumorUnique", "TumorShared", "TumorWild",
              "RnaTotal", "RnaUnique", "RnaShared", "RnaWild", "TumorCopyNumber", "SomaticMissense",
              "SomaticNonsenseOrFrameshift", "SomaticSplice", "SomaticSynonymous", "SomaticInframeIndel"]
    nums = [10, 5, 5, 0, 20, 10, 10, 0, 0, 0, 0, 0, "1.00", "1.0", "0.0", "0.0", "0.0", "0.0"]
    write(folder / "T1.lilac.tsv", ["Genes", "Allele", *counts],
          ["HLA_CLASS_I", "A*02:01", *nums], ["HLA_CLASS_I", "A*03:01", *nums],
          ["HLA_DQB1", "DQB1*06:02", *nums], ["HLA_DQB1", "DQB1*06:02", *nums])
    write(folder / "T1.lilac.qc.tsv",
          ["Genes", "Status", "ScoreMargin", "NextSolutionAlleles", "MedianBaseQuality", "HlaYAllele", "DiscardedIndels",
           "DiscardedIndelMaxFrags", "DiscardedAlignmentFragments", "LowCoverageBases", "geneTypes", "TotalFragments",
           "FittedFragments", "UnmatchedFragments", "UninformativeFragments", "HlaYFragments", "PercentUnique",
           "PercentShared", "PercentWildcard", "UnusedAminoAcids", "UnusedAminoAcidMaxFrags", "UnusedHaplotypes",
           "UnusedHaplotypeMaxFrags", "SomaticVariantsMatched", "SomaticVariantsUnmatched"],
          ["HLA_CLASS_I", "PASS", 3.2, "NONE", 37, "NONE", 0, 0, 5, 12, "2;2;2", 900, 880, 20, 3, 0, 0.7, 0.3, 0, 0, 0, 0, 0, 1, 0],
          ["HLA_DQB1", "WARN_UNMATCHED_HAPLOTYPE", 1.1, "NONE", 36, "NONE", 0, 0, 2, 0, "1", 400, 390, 10, 1, 0, 0.6, 0.4, 0,
           0, 0, 1, 9, 0, 0])
    report = ingest(store, folder)
    got = sorted((r["gene"], r["allele_index"], r["allele"], r["gene_group"]) for r in rows(store, "hla_allele"))
    assert got == [("HLA-A", 1, "A*02:01", "HLA_CLASS_I"), ("HLA-A", 2, "A*03:01", "HLA_CLASS_I"),
                   ("HLA-DQB1", 1, "DQB1*06:02", "HLA_DQB1"), ("HLA-DQB1", 2, "DQB1*06:02", "HLA_DQB1")]
    qc = {r["gene_group"]: (r["status"], r["low_coverage_bases"], r["unused_haplotypes"]) for r in rows(store, "hla_qc")}
    assert qc == {"HLA_CLASS_I": ("PASS", 12, 0), "HLA_DQB1": ("WARN_UNMATCHED_HAPLOTYPE", 0, 1)}
    assert any(n["column"] == "UnusedHaplotypeMaxFrags" and "fragment count" in n["reason"] for n in report.not_stored)


def test_a_file_of_an_unknown_layout_names_file_columns_and_known_versions(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    bad = write(folder / "T1.lilac.tsv", ["Gene", "AlleleName", "Depth"], ["HLA-A", "A*01:01", 30])
    with pytest.raises(IngestError) as err:
        ingest(store, folder)
    text = str(err.value)
    assert str(bad) in text and "columns: Gene, AlleleName, Depth" in text
    assert "LILAC 2.0 needs Genes, Allele, RefTotal, TumorCopyNumber" in text and "known versions: LILAC 2.0, LILAC 1.x" in text


# -- Virus Interpreter, SIGS -------------------------------------------------------------

def test_viruses_record_presence_and_integration(store, tmp_path):
    # header of C/virus/AnnotatedVirusFile.java; Java writes a missing value as `null`
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1.virus.annotated.tsv",
          ["taxid", "name", "qcStatus", "integrations", "interpretation", "percentageCovered", "meanCoverage",
           "expectedClonalCoverage", "reported", "blacklisted", "driverLikelihood"],
          [333760, "Human papillomavirus type 16", "NO_ABNORMALITIES", 3, "HPV", 98.5, 120.2, 40.1, "true", "false", "HIGH"],
          [10376, "Human gammaherpesvirus 4", "LOW_VIRAL_COVERAGE", 0, "EBV", 12.0, 1.1, "null", "false", "false", "LOW"],
          [12345, "Some phage", "NO_ABNORMALITIES", 0, "null", 50.0, 3.0, "null", "false", "true", "UNKNOWN"])
    ingest(store, folder)
    got = {r["taxid"]: (r["interpretation"], r["integrations"], r["integrated"], r["reported"], r["expected_clonal_coverage"])
           for r in rows(store, "virus")}
    assert got == {333760: ("HPV", 3, True, True, 40.1), 10376: ("EBV", 0, False, False, None),
                   12345: (None, 0, False, False, None)}


def test_the_real_virus_file_without_viruses_loads_nothing_and_signatures_load_as_written(store, tools_folder):
    ingest(store, tools_folder, sample_id="S1")
    assert rows(store, "virus") == []
    sigs = {r["signature"]: (r["allocation"], r["percent"]) for r in rows(store, "signature_allocation")}
    assert len(sigs) == 12 and sigs["Sig7"] == (23350.740, 0.61851)


# -- PEACH, TEAL: files named after the normal sample ---------------------------------------

def test_oncoanalyser_peach_and_teal_of_the_normal_attach_to_the_tumour(store, hmftools_fixtures, tmp_path):
    # TEAL header: C/teal/TelomereLengthFile.java; PEACH: the real fixture (normal-sample prefix)
    group = tmp_path / "GROUP1"
    purity_file(group / "purple" / "T1.purple.purity.tsv")
    (group / "peach").mkdir()
    (group / "peach" / "N1.peach.haplotypes.best.tsv").symlink_to(hmftools_fixtures / "other_tools" / "ref_sample.peach.haplotypes.best.tsv")
    header = ["sampleId", "type", "rawTelomereLength", "finalTelomereLength", "fullFragments", "cRichPartialFragments",
              "gRichPartialFragments", "totalTelomericReads", "purity", "ploidy", "duplicateProportion", "meanReadDepth",
              "gc50ReadDepth"]
    write(group / "teal" / "T1.teal.tellength.tsv", header, ["T1", "tumor", 4100.5, 3900.2, 800, 20, 25, 1700, 0.5, 2.0, 0.1, 30.1, 29.8])
    write(group / "teal" / "N1.teal.tellength.tsv", header, ["N1", "ref", 6100.0, 6100.0, 900, 10, 12, 2000, 1, 2, 0.1, 31.0, 30.0])
    report = ingest(store, tmp_path)
    assert report.samples == ["T1"]
    peach = {(r["sample_id"], r["gene"], r["haplotype"], r["count"]) for r in rows(store, "pharmacogenomic_haplotype")}
    assert peach == {("T1", "DPYD", "*1", 2), ("T1", "UGT1A1", "*1", 2)}
    teal = {r["sample_type"]: r["final_telomere_length"] for r in rows(store, "telomere_length")}
    assert teal == {"tumor": 3900.2, "ref": 6100.0}


def test_a_normal_samples_file_equally_near_two_tumours_is_refused(store, hmftools_fixtures, tmp_path):
    for t in ("T1", "T2"):
        purity_file(tmp_path / f"{t}.purple.purity.tsv")
    (tmp_path / "N1.peach.haplotypes.best.tsv").symlink_to(hmftools_fixtures / "other_tools" / "ref_sample.peach.haplotypes.best.tsv")
    with pytest.raises(IngestError, match="named after sample n1, and tumour samples t1, t2 are equally near"):
        ingest(store, tmp_path)


# -- Isofox ----------------------------------------------------------------------------------

def test_isofox_1_fixture_files_load_and_name_what_is_not_stored(store, tools_folder):
    report = ingest(store, tools_folder, sample_id="S1")
    (stats,) = rows(store, "rna_statistics")
    assert (stats["total_fragments"], stats["duplicate_fragments"], stats["read_length"], stats["qc_status"]) == \
        (143741629, 105571109, 151, None)
    said = report.notes()
    assert any(s.startswith("not stored: ") and "pass_fusions.tsv: FusionId (a per-run id" in s for s in said)
    assert any(s.startswith("not stored: ") and "alt_splice_junc.tsv: InitialReadId (a read name" in s for s in said)
    assert [n for n in report.not_stored if "does not read" in n["reason"]] == []


def test_isofox_2_rna_outputs_load_from_their_writers_headers(store, tmp_path):
    # headers: isofox/.../results/GeneResult.java, C/rna/NovelSpliceJunctionFile.java, C/rna/RnaFusionFile.java,
    # C/rna/RnaStatisticFile.java (Isofox 2.0, .tsv)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1_RNA.isf.summary.tsv",
          ["SampleId", "QcStatus", "TotalFragments", "DuplicateFragments", "SplicedFragmentPerc", "UnsplicedFragmentPerc",
           "AltFragmentPerc", "ChimericFragmentPerc", "SplicedGeneCount", "ReadLength", "FragLength5th", "FragLength50th",
           "FragLength95th", "EnrichedGenePercent", "MedianGCRatio", "ForwardStrandPercent"],
          ["T1_RNA", "PASS", 1000, 100, 0.4, 0.5, 0.05, 0.05, 15000, 151, 100, 200, 400, 0.1, 0.45, 0.5])
    write(folder / "T1_RNA.isf.gene_data.tsv",
          ["GeneId", "GeneName", "Chromosome", "GeneLength", "IntronicLength", "TranscriptCount", "GeneSetId",
           "SplicedFragments", "UnsplicedFragments", "AdjTPM", "RawTPM", "FitResiduals", "LowMapQualFrags",
           "MedianTpmCancer", "PercentileCancer", "MedianTpmCohort", "PercentileCohort", "ReportedStatus"],
          ["ENSG00000141510", "TP53", "17", 19149, 15000, 12, 1, 500, 20, 55.2, 50.1, 0.0, 0, 40.0, 72.0, 35.0, 80.0, "NONE"],
          ["ENSG00000146648", "EGFR", "chr7", 188307, 180000, 8, 2, 3000, 100, 420.0, 400.0, 0.0, 0, 30.0, 99.0, 25.0, 99.5, "REPORTED"])
    write(folder / "T1_RNA.isf.alt_splice_junc.tsv",
          ["GeneName", "Chromosome", "SjStart", "SjEnd", "Type", "TranscriptStart", "TranscriptEnd", "ExonStart", "ExonEnd",
           "FragCount", "DepthStart", "DepthEnd", "RegionStart", "RegionEnd", "BaseStart", "BaseEnd", "CohortFrequency"],
          ["MET", "7", 116411709, 116414934, "SKIPPED_EXONS", "ENST1", "ENST1", "13", "15", 40, 60, 55, "EXONIC", "EXONIC",
           "AG", "GT", 3])
    write(folder / "T1_RNA.isf.pass_fusions.tsv",
          ["Name", "KnownType", "ChromosomeUp", "ChromosomeDown", "PositionUp", "PositionDown", "OrientationUp",
           "OrientationDown", "JunctionTypeUp", "JunctionTypeDown", "TranscriptUp", "TranscriptDown", "ExonUp", "ExonDown",
           "SvType", "SplitFrags", "RealignedFrags", "DiscordantFrags", "DepthUp", "DepthDown", "MaxAnchorLengthUp",
           "MaxAnchorLengthDown", "CohortFrequency"],
          ["TMPRSS2_ERG", "KNOWN_PAIR", "21", "21", 42870046, 39817544, 1, -1, "KNOWN", "KNOWN", "ENST2", "ENST3", 1, 4,
           "DEL", 12, 3, 8, 40, 35, 60, 70, 1])
    ingest(store, folder)
    assert rows(store, "rna_statistics")[0]["qc_status"] == "PASS"
    # ReportedStatus NONE is a code of the column (nothing reports it), kept as written (test_coded_values.py)
    expr = {r["gene"]: (r["adjusted_tpm"], r["percentile_cancer"], r["chromosome"], r["reported_status"]) for r in rows(store, "gene_expression")}
    assert expr == {"TP53": (55.2, 72.0, "17", "NONE"), "EGFR": (420.0, 99.0, "7", "REPORTED")}
    (sj,) = rows(store, "novel_splice_junction")
    assert (sj["gene"], sj["type"], sj["frag_count"], sj["cohort_frequency"]) == ("MET", "SKIPPED_EXONS", 40, 3)
    (f,) = rows(store, "rna_fusion")
    assert (f["name"], f["gene_up"], f["gene_down"], f["exon_down"], f["split_fragments"]) == ("TMPRSS2_ERG", "TMPRSS2", "ERG", 4, 12)


# -- QSEE, germline VCF -----------------------------------------------------------------------

def test_qsee_status_rows_load_with_their_verdicts(store, tmp_path):
    # header of qsee/.../status/QcStatusFile.java (QSEE 1.0, gzipped)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1.qsee.status.tsv.gz",
          ["SampleId", "SampleType", "SourceTool", "FeatureType", "FeatureName", "FeatureValue", "QcStatus", "FailCondition"],
          ["T1", "TUMOR", "PURPLE", "SUMMARY_TABLE", "PURITY", 0.5, "PASS", ""],
          ["T1", "TUMOR", "BAM_METRICS", "SUMMARY_TABLE", "MEAN_COVERAGE", 18.2, "WARN", "< 30"], gz=True)
    ingest(store, folder)
    got = {r["feature_name"]: (r["feature_value"], r["qc_status"], r["fail_condition"]) for r in rows(store, "qc_metric")}
    assert got == {"PURITY": (0.5, "PASS", None), "MEAN_COVERAGE": (18.2, "WARN", "< 30")}


def test_germline_vcf_takes_the_reference_column_and_keeps_the_first_of_a_repeated_record(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "tumor_sample.purple.purity.tsv")
    (folder / "tumor_sample.purple.germline.vcf.gz").symlink_to(hmftools_fixtures / "vcf" / "crest_test.purple.germline.vcf.gz")
    report = ingest(store, folder)
    got = sorted(rows(store, "germline_variant"), key=lambda r: (r["position"], r["alt"]))
    assert [(r["position"], r["alt"], r["filter"]) for r in got] == [
        (7579472, "C", "PASS"), (7579473, "C", "LOW_TUMOR_VCN"), (7579474, "C", "PASS"), (7579475, "CC", "PASS"),
        (7579476, "C", "PASS")]
    first = got[0]
    assert (first["gene"], first["genotype"], first["germline_allele_read_count"], first["germline_total_read_count"],
            first["tumor_allele_read_count"], first["variant_copy_number"]) == ("TP53", "HOM_ALT", 30, 30, 100, 1.0)
    assert any("repeats the variant of line" in str(p) for p in report.problems)


def test_germline_vcf_pathogenicity_marks_pathogenic_variants(store, tmp_path):
    # INFO per C/variant/PurpleVcfTags.java and PAVE's VcfWriter (PATH, CLNSIG, REPORTED)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    vcf = "\n".join([
        "##fileformat=VCFv4.2",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN1R\tT1",
        "13\t32914438\t.\tT\tTG\t500\tPASS\tIMPACT=BRCA2,ENST00000380152,frameshift_variant,NONSENSE_OR_FRAMESHIFT,,"
        "c.5946dupG,p.Ser1983fs,,NONSENSE_OR_FRAMESHIFT,1;PATH=PATHOGENIC;CLNSIG=Pathogenic;REPORTED;BIALLELIC;"
        "PURPLE_AF=0.95\tGT:AD:DP\t0/1:20,18:38\t./.:5,60:65",
        "17\t41245466\t.\tG\tA\t500\tPASS\tIMPACT=BRCA1,ENST00000357654,missense_variant,MISSENSE,,c.100G>A,p.Ala34Thr,,"
        "MISSENSE,1;PATH=BENIGN\tGT:AD:DP\t0/1:20,20:40\t./.:30,28:58", ""])
    (folder / "T1.purple.germline.vcf.gz").write_bytes(gzip.compress(vcf.encode()))
    ingest(store, folder)
    got = {r["gene"]: (r["pathogenicity"], r["pathogenic"], r["genotype"], r["reported"], r["biallelic"], r["hotspot"])
           for r in rows(store, "germline_variant")}
    assert got == {"BRCA2": ("PATHOGENIC", True, "HET", True, True, "NON_HOTSPOT"),
                   "BRCA1": ("BENIGN", False, "HET", False, False, "NON_HOTSPOT")}


# -- stats ----------------------------------------------------------------------------------

def test_stats_json_counts_every_tool_table_under_its_name(tools_folder, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "ONCONODE_HOME": str(home)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "onconode", *a], env=env, capture_output=True, text=True, check=True)  # noqa: E731
    run("init")
    run("ingest", "hmftools", str(tools_folder), "--as", "S1", "--ref-genome", "GRCh37")
    counts = json.loads(run("stats", "--json").stdout)
    from onconode.model import TABLES

    assert {t.name for t in TABLES} <= set(counts)
    assert (counts["cuppa_prediction"], counts["hla_allele"], counts["signature_allocation"], counts["rna_statistics"]) == (160, 6, 12, 1)


def test_known_tool_files_that_are_not_stored_are_named_in_the_report(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "N1.peach.haplotypes.all.tsv", ["gene", "combination", "count", "nonWildTypeCount"], ["DPYD", "(*1,2)", 2, 0])
    write(folder / "T1.isf.transcript_data.tsv", ["GeneId", "TransName"], ["ENSG1", "ENST1"])
    write(folder / "T1.virusbreakend.vcf.summary.tsv", ["taxid_genus", "name_genus"], [10566, "Alphapapillomavirus"])
    report = ingest(store, folder)
    said = [str(p) for p in report.problems]
    assert any("N1.peach.haplotypes.all.tsv: warning: not stored: PEACH's candidate haplotypes" in s for s in said)
    assert any("T1.isf.transcript_data.tsv: warning: not stored: Isofox transcript-level" in s for s in said)
    assert any("T1.virusbreakend.vcf.summary.tsv: warning: not stored: VIRUSBreakend's raw calls" in s for s in said)
    assert report.samples == ["T1"]


def test_an_orange_record_alone_fills_cuppa_hla_signatures_and_pharmacogenomics(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "T1.orange.json").symlink_to(hmftools_fixtures / "orange" / "real.orange.json")
    ingest_hmftools(store, folder)
    top = {r["classifier"]: r["cancer_type"] for r in rows(store, "cuppa_prediction") if r["rank"] == 1}
    assert top == {"dna_combined": "Skin: Melanoma", "snv96": "Skin: Melanoma", "gen_pos": "Skin: Melanoma", "event": "Skin: Melanoma"}
    assert len([r for r in rows(store, "cuppa_prediction") if r["classifier"] == "dna_combined"]) == 40
    assert sorted((r["gene"], r["allele_index"], r["allele"]) for r in rows(store, "hla_allele"))[:2] == \
        [("HLA-A", 1, "A*01:01"), ("HLA-A", 2, "A*01:01")]
    assert {r["signature"]: r["percent"] for r in rows(store, "signature_allocation")}["Sig7"] == 0.61851
    assert {(r["gene"], r["haplotype"], r["count"]) for r in rows(store, "pharmacogenomic_haplotype")} == {("DPYD", "*1", 2)}
    write(folder / "T1.sig.allocation.tsv", ["signature", "allocation", "percent"], ["Sig1", 10.0, 1.0])
    ingest_hmftools(store, folder)   # the tool's own file wins over ORANGE's copy
    assert [(r["signature"], r["percent"]) for r in rows(store, "signature_allocation")] == [("Sig1", 1.0)]


def test_orange_viruses_load_without_a_taxid(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "T1.orange.json").symlink_to(hmftools_fixtures / "orange" / "minimally.populated.orange.json")
    ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = {r["name"]: (r["taxid"], r["interpretation"], r["integrated"], r["driver_likelihood"]) for r in rows(store, "virus")}
    assert got["Human papillomavirus 16"] == (None, "HPV", True, "HIGH")


def test_an_empty_required_field_is_reported_at_its_line_and_column(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    bad = write(folder / "T1.sig.allocation.tsv", ["signature", "allocation", "percent"], ["Sig1", 1.0, 0.5], ["", 1.0, 0.5])
    with pytest.raises(IngestError, match=rf"{bad}:3: column signature: error: a value is required"):
        ingest(store, folder)


def test_a_repeated_row_is_named_before_the_store_would_refuse_it(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    bad = write(folder / "T1.sig.allocation.tsv", ["signature", "allocation", "percent"], ["Sig1", 1.0, 0.5], ["Sig1", 2.0, 0.5])
    with pytest.raises(IngestError, match=rf"{bad}: error: two signature_allocation rows share signature = Sig1"):
        ingest(store, folder)


def test_teal_before_wigits_3_reads_its_reads_per_kb_layout(store, tmp_path):
    # header of C/teal/TelomereLengthFile.java before 3.0 (meanReadsPerKb, gc50ReadsPerKb)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1.teal.tellength.tsv",
          ["sampleId", "type", "rawTelomereLength", "finalTelomereLength", "fullFragments", "cRichPartialFragments",
           "gRichPartialFragments", "totalTelomericReads", "purity", "ploidy", "duplicateProportion", "meanReadsPerKb",
           "gc50ReadsPerKb"],
          ["T1", "tumor", 4100.5, 3900.2, 800, 20, 25, 1700, 0.5, 2.0, 0.1, 95.1, 92.3])
    report = ingest(store, folder)
    (row,) = rows(store, "telomere_length")
    assert (row["sample_type"], row["final_telomere_length"], row["mean_reads_per_kb"], row["mean_read_depth"]) == \
        ("tumor", 3900.2, 95.1, None)
    assert not any("not part of" in str(p) for p in report.problems)


def test_peach_1_genotypes_split_zygosity_into_haplotype_and_count(store, tmp_path):
    # PEACH 1 genotype TSV as its README documents it (gene, haplotype *1_HOM, function, linked_drugs, ...)
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    write(folder / "T1.peach.genotype.tsv",
          ["gene", "haplotype", "function", "linked_drugs", "url_prescription_info", "panel_version", "repo_version"],
          ["DPYD", "*1_HET", "Normal Function", "5-Fluorouracil;Capecitabine", "https://example.org/a", "peach_prod_v1.3", "1.7"],
          ["DPYD", "*2A_HET", "No Function", "5-Fluorouracil;Capecitabine", "https://example.org/a", "peach_prod_v1.3", "1.7"],
          ["UGT1A1", "*28_HOM", "Reduced Function", "Irinotecan", "https://example.org/b", "peach_prod_v1.3", "1.7"])
    ingest(store, folder)
    got = {(r["gene"], r["haplotype"], r["count"], r["function"]) for r in rows(store, "pharmacogenomic_haplotype")}
    assert got == {("DPYD", "*1", 1, "Normal Function"), ("DPYD", "*2A", 1, "No Function"), ("UGT1A1", "*28", 2, "Reduced Function")}
