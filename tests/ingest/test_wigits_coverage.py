"""Every file of the WiGiTS 3.0 and 2.x layouts has a test on a real-format example.

The file names are parsed at test time from §3 of reference/wigits-outputs.md ("Files and
columns at HEAD", which names the 2.x files beside the 3.0 ones); each must be a file kind
onconode recognises (discover.classify), and each kind must be named in COVERAGE with the
tests that ingest a real-format example of it: one of Hartwig's fixture files, or a file
written with the header of the tool's writer (the test cites the writer class). A file the
reference adds, or a kind without a test, fails here with its name.

The last tests cover the kinds no other module did: files onconode recognises and
deliberately does not store (CHORD's mutation contexts, LINX's germline SV annotations,
QSEE's plotting data, CUPPA v1, PEACH 1), and a whole `onconode synth` 3.0 run.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.hmftools.discover import KINDS, classify, label
from test_wigits_tools import purity_file, write

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "wigits-outputs.md"

# kind -> the tests (module::function) that ingest a real-format example of it
COVERAGE: dict[str, tuple[str, ...]] = {
    "purple_purity": ("test_hmftools::test_profile_holds_purple_fit_qc_and_chord",),
    "purple_qc": ("test_hmftools::test_profile_holds_purple_fit_qc_and_chord",
                  "test_wigits_generations::test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers"),
    "purple_cnv_somatic": ("test_hmftools::test_every_row_of_every_file_is_loaded",),
    "purple_cnv_gene": ("test_hmftools::test_current_cnv_gene_layout_reads_like_the_legacy_one",
                        "test_wigits_generations::test_v3_gene_copy_number_keeps_reported_status_driver_type_depth_and_gc"),
    "purple_driver_somatic": ("test_hmftools::test_driver_catalogue_with_reported_status_and_germline_rows",),
    "purple_driver_germline": ("test_hmftools::test_driver_catalogue_with_reported_status_and_germline_rows",),
    "purple_germline_amp_del": ("test_wigits_generations::test_v3_germline_amplifications_and_deletions_are_stored",
                                "test_wigits_generations::test_a_2x_germline_deletion_file_maps_its_boolean_onto_the_status"),
    "purple_chromosome_arm": ("test_wigits_generations::test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers",),
    "purple_somatic_vcf": ("test_hmftools::test_somatic_vcf_goes_through_the_vcf_loader",
                           "test_wigits_vcf_alleles::test_somatic_vcf_gives_the_second_alt_its_own_number_a_values_and_read_counts"),
    "purple_germline_vcf": ("test_wigits_tools::test_germline_vcf_takes_the_reference_column_and_keeps_the_first_of_a_repeated_record",
                            "test_wigits_vcf_alleles::test_germline_vcf_gives_the_second_alt_its_own_number_a_values_read_counts_and_genotype"),
    "purple_sv_vcf": ("test_hmftools::test_sv_vcf_alone_pairs_mates_and_leaves_single_breakends_open",),
    "linx_svs": ("test_hmftools::test_linx_svs_and_breakends_keep_cluster_genes_and_old_reported_flag",
                 "test_hmftools::test_current_linx_layouts_reported_status_and_genes_from_breakends"),
    "linx_breakend": ("test_hmftools::test_linx_svs_and_breakends_keep_cluster_genes_and_old_reported_flag",
                      "test_wigits_generations::test_v3_breakend_reported_status_is_not_collapsed_to_a_boolean"),
    "linx_fusion": ("test_hmftools::test_fusions_name_their_partner_genes",
                    "test_wigits_generations::test_v3_fusion_junction_copy_numbers_are_rebuilt_as_linx_2_2_wrote_them"),
    "linx_driver_catalog": ("test_hmftools::test_linx_catalogue_adds_the_pten_disruption_without_repeating_purple_drivers",),
    "linx_germline_driver_catalog": ("test_hmftools::test_every_row_of_every_file_is_loaded",),
    "linx_drivers": ("test_wigits_generations::test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers",),
    "linx_clusters": ("test_wigits_generations::test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers",),
    "linx_links": ("test_wigits_generations::test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers",),
    "linx_germline_breakend": ("test_wigits_germline_cider::test_the_real_germline_breakend_file_loads_into_a_germline_table_with_its_reported_status",),
    "linx_germline_disruption": ("test_wigits_germline_cider::test_germline_disruptions_load_every_column_of_linx_writer",),
    "linx_germline_other": ("test_wigits_coverage::test_files_recognised_and_not_stored_are_named_with_the_reason",),
    "chord": ("test_hmftools::test_profile_holds_purple_fit_qc_and_chord",),
    "chord_other": ("test_wigits_coverage::test_files_recognised_and_not_stored_are_named_with_the_reason",),
    "orange": ("test_hmftools::test_orange_json_alone",
               "test_wigits_generations::test_an_orange_4_record_with_all_lists_loads_like_orange_5"),
    "cuppa_vis_data": ("test_wigits_tools::test_cuppa_vis_data_keeps_each_classifiers_probabilities_and_reports_the_rest",),
    "cuppa_pred_summ": ("test_wigits_tools::test_cuppa_pred_summ_gives_the_top_three_when_there_is_no_vis_data",),
    "lilac": ("test_wigits_tools::test_lilac_1_alleles_are_numbered_per_gene_and_qc_folds_the_per_gene_columns",
              "test_wigits_tools::test_lilac_2_reads_genes_and_class_two_alleles"),
    "lilac_qc": ("test_wigits_tools::test_lilac_1_alleles_are_numbered_per_gene_and_qc_folds_the_per_gene_columns",
                 "test_wigits_tools::test_lilac_2_reads_genes_and_class_two_alleles"),
    "virus": ("test_wigits_tools::test_viruses_record_presence_and_integration",),
    "sigs": ("test_wigits_tools::test_the_real_virus_file_without_viruses_loads_nothing_and_signatures_load_as_written",),
    "peach": ("test_wigits_tools::test_oncoanalyser_peach_and_teal_of_the_normal_attach_to_the_tumour",),
    "peach_other": ("test_wigits_tools::test_known_tool_files_that_are_not_stored_are_named_in_the_report",),
    "teal": ("test_wigits_tools::test_oncoanalyser_peach_and_teal_of_the_normal_attach_to_the_tumour",
             "test_wigits_tools::test_teal_before_wigits_3_reads_its_reads_per_kb_layout"),
    "isofox_summary": ("test_wigits_tools::test_isofox_1_fixture_files_load_and_name_what_is_not_stored",
                       "test_wigits_tools::test_isofox_2_rna_outputs_load_from_their_writers_headers"),
    "isofox_gene_data": ("test_wigits_tools::test_isofox_1_fixture_files_load_and_name_what_is_not_stored",
                         "test_wigits_tools::test_isofox_2_rna_outputs_load_from_their_writers_headers"),
    "isofox_alt_sj": ("test_wigits_tools::test_isofox_1_fixture_files_load_and_name_what_is_not_stored",
                      "test_wigits_tools::test_isofox_2_rna_outputs_load_from_their_writers_headers"),
    "isofox_fusions": ("test_wigits_tools::test_isofox_1_fixture_files_load_and_name_what_is_not_stored",
                       "test_wigits_tools::test_isofox_2_rna_outputs_load_from_their_writers_headers"),
    "qsee": ("test_wigits_tools::test_qsee_status_rows_load_with_their_verdicts",),
    "qsee_vis": ("test_wigits_coverage::test_files_recognised_and_not_stored_are_named_with_the_reason",),
}
# Isofox's files are named in the reference by their middle part only (`<rna>.isf.*`)
ISOFOX = ("gene_data", "alt_splice_junc", "pass_fusions", "summary")
FILE = re.compile(r"`(?:<\w+>\.)?([\w./]+?\.(?:tsv(?:\.gz)?|vcf\.gz|json|qc))`")


def reference_files(text: str) -> list[str]:
    """The file names §3 of the reference lists, each as `<sample>.<tool>.<suffix>` would end."""
    section = text.split("## 3.", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for part in section.split("\n### ")[1:]:
        heading = part.split("\n", 1)[0]
        if heading.startswith("SAGE / PAVE"):   # INFO / FORMAT fields of PURPLE's VCFs, no files of their own
            continue
        tool = "purple." if heading.startswith("PURPLE") else "linx." if heading.startswith("LINX") else ""
        for token in FILE.findall(part):
            token = token.lstrip(".")
            if "/" in token:   # `.peach.haplotypes.all/events/gene.events/qc.tsv`: peach.events.tsv, peach.qc.tsv ...
                first, *others = token.removesuffix(".tsv").split("/")
                names += [f"{first}.tsv"] + [f"{first.split('.')[0]}.{other}.tsv" for other in others]
                continue
            token = token.lstrip(".")
            names.append(token if token.startswith(("purple.", "linx.")) or not tool else tool + token)
        if heading.startswith("Smaller tools"):
            names += [f"isf.{name}.tsv" for name in ISOFOX]
    return list(dict.fromkeys(names))


@pytest.fixture(scope="module")
def reference() -> str:
    if not REFERENCE.exists():
        pytest.skip(f"the WiGiTS reference is not at {REFERENCE} (../shared/reference of the checkout)")
    return REFERENCE.read_text()


def test_the_reference_lists_the_files_of_both_generations(reference):
    names = reference_files(reference)
    for expected in ("purple.purity.tsv", "purple.germline_amp_del.tsv", "purple.germline.deletion.tsv", "linx.germline.svs.tsv",
                     "linx.germline.disruption.tsv", "orange.json", "lilac.qc.tsv", "isf.pass_fusions.tsv",
                     "qsee.vis.data.tsv.gz", "peach.gene.events.tsv", "chord.mutation_contexts.tsv"):
        assert expected in names, expected
    assert len(names) >= 40


def test_every_file_of_the_reference_is_a_kind_onconode_recognises(reference):
    unknown = [n for n in reference_files(reference) if classify(f"T1.{n}") is None]
    assert unknown == [], "a reference file onconode does not recognise: add a reader or a not-stored entry (tools.py)"


def test_every_file_kind_of_the_reference_has_a_test_on_a_real_format_example(reference):
    kinds = {classify(f"T1.{n}")[0] for n in reference_files(reference) if classify(f"T1.{n}")}
    assert sorted(kinds - set(COVERAGE)) == [], "name the tests that ingest a real-format example of these in COVERAGE"


@pytest.mark.parametrize("kind", sorted(COVERAGE))
def test_the_tests_named_for_a_kind_exist_and_their_module_reads_that_file(kind):
    assert kind in KINDS
    for name in COVERAGE[kind]:
        module_name, function = name.split("::")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{name} does not exist"
        source = Path(module.__file__).read_text()
        assert kind in source or label(kind).lstrip(".") in source or kind.startswith(("purple_", "linx_", "chord")), (
            f"{module_name} neither names the kind {kind} nor its file {label(kind)}")


def test_files_recognised_and_not_stored_are_named_with_the_reason(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    # chord/src/main/R/chord_predict.R writes the contexts CHORD predicts from; LINX germline mode writes
    # svs.tsv for the normal's SVs (C/linx/LinxSvAnnotation.java); QSEE 1.0 prep/VisDataFile.java its plot data
    write(folder / "T1.chord.mutation_contexts.tsv", ["context", "T1"], ["del.rep.len.1", 12])
    write(folder / "T1.linx.germline.svs.tsv", ["vcfIdStart", "vcfIdEnd", "svId", "clusterId"], ["g1", "g2", 1, 0])
    write(folder / "T1.qsee.vis.data.tsv.gz", ["SampleId", "SampleType", "SourceTool", "FeatureType", "FeatureName",
                                               "FeatureValue", "PlotMetadata"], ["T1", "TUMOR", "PURPLE", "X", "Y", 1, ""], gz=True)
    report = ingest_hmftools(store, folder, ref_genome="GRCh37")
    said = [str(p) for p in report.problems]
    assert any("T1.chord.mutation_contexts.tsv: warning: not stored: CHORD's mutation contexts" in s for s in said)
    assert any("T1.linx.germline.svs.tsv: warning: not stored: LINX's clustering annotations of germline SVs" in s for s in said)
    assert any("T1.qsee.vis.data.tsv.gz: warning: not stored: QSEE's plotting data" in s for s in said)
    assert report.files_not_read == []


def test_a_synth_wigits_3_run_reports_no_column_dropped_that_the_model_could_hold(tmp_path):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "onconode", "--home", str(tmp_path / "cli-node")]
    subprocess.run(cmd[:3] + ["synth", "--patients", "3", "--seed", "2", "--variants-per-sample", "40", "--out",
                              str(tmp_path / "syn")], check=True, capture_output=True)
    subprocess.run(cmd + ["init"], check=True, capture_output=True)
    done = subprocess.run(cmd + ["ingest", "hmftools", str(tmp_path / "syn" / "hmftools")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "not stored:" in done.stdout    # fit diagnostics and the like, each with its reason
    assert "does not read" not in done.stdout and "files not read" not in done.stdout
