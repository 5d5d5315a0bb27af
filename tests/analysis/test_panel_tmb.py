"""TMB and TML of targeted-panel samples are PURPLE's panel estimates (coding SNVs of the
panel scaled to a genome by target_tmb_ratio / target_tml_ratio), another definition than a
whole genome's: an answer mixing them says so, a cohort can be split by sequencing, and the
quality report counts panel samples under their own TMB definition."""

from __future__ import annotations

import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import summary
from onconode.analysis.quality import quality_report
from onconode.analysis.versions import NEW_TMB, PANEL_TMB
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME


@pytest.fixture
def mixed(store):
    """Eight PURPLE 4.4 whole genomes (S0-S7) and four PURPLE 4.4 panel samples (S8-S11)."""
    rows: dict[str, list[dict]] = {"patient": [], "sample": [], "tumor_profile": [], "tool_version": []}
    for i in range(12):
        rows["patient"].append({"patient_id": f"P{i}", "dataset_id": "DS"})
        rows["sample"].append({"sample_id": f"S{i}", "patient_id": f"P{i}", "primary_tumor_location": "Lung"})
        rows["tumor_profile"].append({"sample_id": f"S{i}", "ref_genome": "GRCh37", "tmb_per_mb": 3.0 + i, "targeted": i >= 8})
        rows["tool_version"].append({"sample_id": f"S{i}", "tool": "purple", "version": "4.4", "source": "purple.version"})
    with store.transaction("test", "panel TMB fixture") as tx:
        for table, table_rows in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, to_arrow(TABLES_BY_NAME[table], table_rows), owners=[r[owner] for r in table_rows])
    return store


def test_a_summary_over_whole_genomes_and_panels_says_tmb_is_not_comparable(mixed):
    snap = mixed.snapshot()
    [note] = summary.summarise(snap, cohorts.evaluate(snap, {"op": "all"})).exact()["notes"]
    assert PANEL_TMB in note and NEW_TMB in note and '"op": "targeted"' in note


def test_a_cohort_is_split_by_sequencing_and_each_part_carries_no_note(mixed):
    snap = mixed.snapshot()
    panel = cohorts.evaluate(snap, {"op": "targeted", "value": True})
    genomes = cohorts.evaluate(snap, {"op": "targeted", "value": False})
    assert panel.sample_ids == {"S8", "S9", "S10", "S11"}
    assert genomes.sample_ids == {f"S{i}" for i in range(8)}
    for part in (panel, genomes):
        assert summary.summarise(snap, part).exact()["notes"] == []


def test_the_quality_report_counts_panel_samples_under_their_own_tmb_definition(mixed):
    versions = quality_report(mixed)["versions"]
    assert versions["tmb_definitions"] == {NEW_TMB: 8, PANEL_TMB: 4}
    assert versions["mixed_tmb_definitions"] is True
