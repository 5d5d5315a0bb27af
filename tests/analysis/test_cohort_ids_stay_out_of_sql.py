"""A cohort joins its questions as a table of ids, never as a literal list in the SQL text.

A 2,000-sample cohort written into the SQL as an IN list cost about a second of ibis
compilation per query: the cohort summary's five WiGiTS tool charts took 2–4 s on the
2,000-patient demo, and 100 researchers at once waited 15 s for an answer. Compiled once,
the SQL is reused for every cohort; the ids travel as a registered table."""

from __future__ import annotations

import ibis
import pytest
from ibis.backends.sql import SQLBackend

from onconode.analysis import cohort as cohorts
from onconode.analysis import frequency, oncoprint, summary, survival
from onconode.analysis.alterations import Scope


@pytest.fixture
def sql_texts(monkeypatch) -> list[str]:
    """Every SQL text ibis compiles while the test runs."""
    texts: list[str] = []
    compile_, to_sql = SQLBackend.compile, ibis.to_sql

    def spy_compile(self, expr, *args, **kwargs):
        sql = compile_(self, expr, *args, **kwargs)
        texts.append(str(sql))
        return sql

    def spy_to_sql(expr, *args, **kwargs):
        sql = to_sql(expr, *args, **kwargs)
        texts.append(str(sql))
        return sql
    monkeypatch.setattr(SQLBackend, "compile", spy_compile)
    monkeypatch.setattr(ibis, "to_sql", spy_to_sql)
    return texts


def _ids_in(texts: list[str], ids: frozenset[str]) -> set[str]:
    return {i for i in ids for t in texts if f"'{i}'" in t}


def test_the_cohort_summary_with_every_tool_chart_keeps_the_ids_out_of_the_sql(synth, sql_texts) -> None:
    snap = synth.snapshot()
    cohort = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Colorectum", "Lung"]})
    assert cohort.samples > 20
    sql_texts.clear()
    s = summary.summarise(snap, cohort)
    assert {"cuppa_top_prediction", "hla_alleles", "signatures"} <= set(s.counts), "the synthetic store has tool data"
    assert sql_texts, "the summary ran SQL"
    assert not _ids_in(sql_texts, cohort.sample_ids | cohort.patient_ids)


def test_frequency_oncoprint_and_survival_keep_the_ids_out_of_the_sql(synth, sql_texts) -> None:
    snap = synth.snapshot()
    a = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Colorectum"]})
    b = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    sql_texts.clear()
    frequency.alteration_frequency(snap, a, ["TP53", "KRAS"], tuple(frequency.FREQUENCY_KINDS), 0.5, scope=Scope())
    oncoprint.oncoprint(snap, a, ["TP53", "KRAS"], Scope())
    survival.survival_analysis(snap, {"colorectum": a, "lung": b}, "os", None, True, ["age"])
    assert not _ids_in(sql_texts, a.sample_ids | a.patient_ids | b.sample_ids | b.patient_ids)
