"""Targeted-panel samples in the synthetic cohort: a small share, in the oncoanalyser targeted
layout, with their panel definition beside them, ingestible by the normal path with no warning."""

from __future__ import annotations

import json
from pathlib import Path

from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.hmftools import ingest_hmftools
from onconode.store import Store
from onconode.synth import load_cohort
from onconode.synth.cohort import build
from onconode.synth.mode import mode
from onconode.synth.panel import OFF_PANEL, PANEL_ID
from onconode.synth.writers import write_cohort

SEED, PATIENTS = 11, 30   # four of this cohort's 33 samples are panel runs


def test_about_five_percent_of_samples_are_panel_runs():
    cohort = build(2000, 5)
    share = sum(mode(5, p).targeted for p in cohort.params) / len(cohort.params)
    assert 0.035 < share < 0.065


def test_a_panel_sample_is_written_in_the_targeted_layout(tmp_path: Path):
    write_cohort(tmp_path, patients=PATIENTS, seed=SEED, median_variants=60)
    runs = tmp_path / "hmftools"
    targeted = [p.sample_id for p in build(PATIENTS, SEED).params if mode(SEED, p).targeted]
    assert len(targeted) == 4
    s = targeted[0]
    purity = (runs / s / "purple" / f"{s}.purple.purity.tsv").read_text().splitlines()
    assert dict(zip(purity[0].split("\t"), purity[1].split("\t")))["targeted"] == "true"
    assert (runs / s / "purple" / f"{s}.purple.target_region_cn.tsv").is_file()
    assert json.loads(next((runs / s / "pipeline_info").glob("params_*.json")).read_text())["panel"] == "tso500"
    assert not any(any((runs / s).glob(f"{tool}/*")) for tool in ("chord", "cuppa", "sigs", "virusinterpreter", "teal"))
    assert (runs / "data_gene_panel_tso500.txt").read_text().startswith(f"stable_id: {PANEL_ID}\n")


def test_an_out_folder_with_panel_samples_ingests_with_no_warning_and_equals_into_store(tmp_path: Path):
    write_cohort(tmp_path / "out", patients=PATIENTS, seed=SEED, median_variants=60)
    via_files, direct = Store.init(tmp_path / "files"), Store.init(tmp_path / "direct")
    try:
        genomic = ingest_hmftools(via_files, tmp_path / "out" / "hmftools")
        clinical = ingest_clinical(via_files, tmp_path / "out" / "clinical")
        assert not genomic.warnings and not clinical.warnings and not clinical.problems
        assert [p for p in genomic.problems if not p.message.startswith("not stored:")] == []
        load_cohort(direct, patients=PATIENTS, seed=SEED, median_variants=60)
        assert via_files.counts() == direct.counts()
        for store in (via_files, direct):
            panel = store.con.execute("SELECT sample_id, count(*) FROM sample_gene_panel WHERE _removed IS NULL "
                                      "GROUP BY sample_id ORDER BY sample_id").fetchall()
            assert [n for _, n in panel] == [3, 3, 3, 3]
            (off,), = store.con.execute(
                "SELECT count(*) FROM somatic_variant v JOIN sample_gene_panel p USING (sample_id) "
                "WHERE p.profile = 'mutations' AND v._removed IS NULL AND p._removed IS NULL "
                "AND (v.gene IS NULL OR v.gene IN (SELECT unnest(?::VARCHAR[])))", [sorted(OFF_PANEL)]).fetchall()
            assert off == 0   # a panel calls nothing off its genes
            (flagged,), = store.con.execute(
                "SELECT count(*) FROM tumor_profile WHERE targeted AND _removed IS NULL").fetchall()
            assert flagged == 4
    finally:
        via_files.close()
        direct.close()


def test_the_catalogue_shows_the_panel_sequenced_samples_of_a_synthetic_node(store):
    from onconode.analysis import catalogue

    load_cohort(store, patients=PATIENTS, seed=SEED, median_variants=60)
    snap = store.snapshot()
    (dataset,) = [d["dataset_id"] for d in catalogue.datasets(snap)]
    fig, _ = catalogue.figures(snap, dataset)
    counts = {k: len(ids) for k, (_, ids) in fig.data_types.items()}
    assert counts["targeted-panel sequencing (counted only for its panel's genes)"] == 4
    assert counts["mutational signatures (SIGS)"] == len(fig.sample_ids) - 4   # SIGS does not run on panels
