"""Released results as flat tables (TSV downloads, CLI tables): the licensed shapes too,
which the unlicensed API tests never see."""

from __future__ import annotations

import csv
import io

import pytest

from onconode.analysis.result_tables import table, tables


def test_an_exact_oncoprint_is_one_row_per_sample_with_its_alterations():
    exact = {"analysis": "oncoprint", "genes": ["KRAS", "TP53"], "profiled": 2, "disclosure": "exact (within your licensed data)",
             "matrix": [{"sample_id": "HMF000001A", "alterations": {"KRAS": ["HOTSPOT_MISSENSE"], "TP53": ["AMP", "MISSENSE"]}},
                        {"sample_id": "HMF000002A", "alterations": {}}]}
    t = table(exact)
    assert t.name == "matrix" and t.columns == ["sample_id", "KRAS", "TP53"]
    rows = list(csv.reader(io.StringIO(t.tsv()), delimiter="\t"))
    assert rows[1:] == [["HMF000001A", "HOTSPOT_MISSENSE", "AMP;MISSENSE"], ["HMF000002A", "", ""]]


def test_a_controlled_oncoprint_pools_rare_patterns_in_one_row():
    controlled = {"analysis": "oncoprint", "genes": ["KRAS", "TP53"], "altered_per_gene": {"KRAS": 6, "TP53": "<5"},
                  "patterns": [{"pattern": {"KRAS": "MISSENSE", "TP53": ""}, "samples": 6}], "other_patterns_samples": 5}
    patterns, per_gene = tables(controlled)
    assert patterns.rows == [["altered", "", 6], ["(other patterns)", "", 5]]
    assert per_gene.rows == [["KRAS", 6], ["TP53", "<5"]]


def test_withheld_statistics_stay_their_reason():
    why = "withheld: a cell of the response table is below the disclosure threshold"
    result = {"analysis": "biomarker_response", "rows": ["biomarker positive", "biomarker negative"], "columns": ["CR+PR", "SD+PD"],
              "table": [["<5", 7], [9, 12]], "not_evaluable": 0, "orr": why, "fisher_p": why, "odds_ratio": why,
              "regression": {"withheld": why}}
    assert [t.name for t in tables(result)] == ["response", "statistics"]
    assert table(result, "statistics").rows == [["fisher_p", why], ["odds_ratio", why], ["not_evaluable", 0]]


def test_an_unknown_analysis_or_table_is_named():
    with pytest.raises(ValueError, match="no tabular form for analysis 'nope'"):
        tables({"analysis": "nope"})
    with pytest.raises(ValueError, match="choose one of count"):
        table({"analysis": "count", "label": "c", "patients": 9, "samples": 9}, "rows")
