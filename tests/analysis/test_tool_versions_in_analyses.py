"""Tool versions in analyses: PURPLE 4.4 (WiGiTS 3.0) raised the TMB/TML minimum VAF from 0.02
to 0.05, so an answer over a cohort mixing versions says so, a cohort can be split by
version, and the quality report shows every sample's versions."""

from __future__ import annotations

from typing import Any

import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import summary
from onconode.analysis.quality import quality_report, render_text
from onconode.analysis.versions import NEW_TMB, OLD_TMB, UNKNOWN, matches, tmb_definition
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME


def load(store, rows: dict[str, list[dict[str, Any]]]) -> None:
    with store.transaction("test", "versions fixture") as tx:
        for table, table_rows in rows.items():
            owner = TABLES_BY_NAME[table].owner
            tx.replace(table, to_arrow(TABLES_BY_NAME[table], table_rows), owners=[r[owner] for r in table_rows])


def sample(i: int, tmb: float) -> tuple[dict, dict]:
    return ({"sample_id": f"S{i}", "patient_id": f"P{i}", "primary_tumor_location": "Skin"},
            {"sample_id": f"S{i}", "ref_genome": "GRCh37", "tmb_per_mb": tmb, "tmb_status": "HIGH" if tmb >= 10 else "LOW"})


@pytest.fixture
def mixed(store):
    """Six samples of PURPLE 4.1 (WiGiTS 2.x), six of 4.4.0 (3.0), one without a version."""
    samples, profiles, versions = [], [], []
    for i in range(13):
        s, p = sample(i, 4.0 + i)
        samples.append(s)
        profiles.append(p)
        if i < 12:
            old = i < 6
            versions += [{"sample_id": f"S{i}", "tool": "purple", "version": "4.1" if old else "4.4.0", "source": "purple.version"},
                         {"sample_id": f"S{i}", "tool": "wigits", "version": "2.x" if old else "3.0", "source": "derived"}]
    patients = [{"patient_id": s["patient_id"], "dataset_id": "DS"} for s in samples]
    load(store, {"patient": patients, "sample": samples, "tumor_profile": profiles, "tool_version": versions})
    return store


@pytest.mark.parametrize(("version", "definition"), [
    ("4.1", OLD_TMB), ("4.3.2", OLD_TMB), ("4.4", NEW_TMB), ("4.4.0", NEW_TMB), ("v4.5", NEW_TMB), ("5.0", NEW_TMB),
    (None, UNKNOWN), ("dev", UNKNOWN),
])
def test_purple_4_4_is_where_the_tmb_definition_changes(version, definition):
    assert tmb_definition(version) == definition


def test_a_version_matches_its_releases_not_its_prefix():
    assert matches("4.4.1", ["4.4"]) and matches("v4.4", ["4.4"]) and not matches("4.40", ["4.4"])


def test_a_summary_over_mixed_versions_says_tmb_is_not_comparable(mixed):
    snap = mixed.snapshot()
    res = summary.summarise(snap, cohorts.evaluate(snap, {"op": "all"})).exact()
    [note] = res["notes"]
    assert OLD_TMB in note and NEW_TMB in note and "tool_version" in note


def test_a_summary_of_one_version_carries_no_note(mixed):
    snap = mixed.snapshot()
    only_new = cohorts.evaluate(snap, {"op": "tool_version", "tool": "purple", "versions": ["4.4"]})
    assert only_new.sample_ids == {f"S{i}" for i in range(6, 12)}
    assert summary.summarise(snap, only_new).exact()["notes"] == []


def test_the_note_travels_with_a_perturbed_answer_and_holds_no_count(mixed):
    from onconode.analysis.cellkey import RecordKeys
    from onconode.analysis.disclosure import DisclosureSettings, Rules

    snap = mixed.snapshot()
    res = summary.summarise(snap, cohorts.evaluate(snap, {"op": "all"}))
    shown = res.controlled(Rules(DisclosureSettings(), RecordKeys(bytes(32))))
    assert shown["notes"] == res.notes and len(res.notes) == 1
    assert "6" not in res.notes[0] and "13" not in res.notes[0]  # six of each version: never said


def test_a_cohort_can_be_split_by_generation(mixed):
    snap = mixed.snapshot()
    old = cohorts.evaluate(snap, {"op": "tool_version", "tool": "wigits", "versions": ["2.x"]})
    both = cohorts.evaluate(snap, {"op": "and", "args": [
        {"op": "tool_version", "tool": "WIGITS", "versions": ["2.x"]}, {"op": "tmb", "min_per_mb": 8}]})
    assert old.sample_ids == {f"S{i}" for i in range(6)}
    assert both.sample_ids == {"S4", "S5"}


def test_a_tool_version_criterion_needs_a_version():
    with pytest.raises(cohorts.CohortError, match="versions"):
        cohorts.parse({"op": "tool_version", "tool": "purple", "versions": []})


def test_the_quality_report_shows_versions_and_the_mixed_tmb_definitions(mixed):
    report = quality_report(mixed)
    v = report["versions"]
    assert v["tools"]["purple"] == {"4.1": 6, "4.4.0": 6}
    assert v["tools"]["wigits"] == {"2.x": 6, "3.0": 6}
    assert v["tmb_definitions"] == {OLD_TMB: 6, NEW_TMB: 6, UNKNOWN: 1}
    assert v["mixed_tmb_definitions"] is True
    assert v["samples_without_versions"]["examples"] == ["S12"]
    text = render_text(report)
    assert "Pipeline and tool versions" in text and "4.4.0: 6" in text
    assert "mixed TMB/TML definitions" in text


def test_a_federation_node_publishes_its_tool_versions_without_counts(mixed):
    from onconode.federation.agent import published_coverage

    published = published_coverage(mixed.snapshot())
    assert published["tool_versions"] == {"purple": ["4.1", "4.4.0"], "wigits": ["2.x", "3.0"]}
