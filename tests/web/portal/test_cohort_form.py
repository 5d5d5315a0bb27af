"""The builder form says the same cohorts as the JSON filter tree, and refuses the same mistakes."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from onconode.analysis.cohort import CohortError
from onconode.interfaces.http.cohort_form import definition_from_form


def form(*pairs: tuple[str, str]) -> FormData:
    return FormData(list(pairs))


def test_an_empty_form_is_every_sample():
    assert definition_from_form(form()) == {"op": "all"}


def test_criteria_are_combined_with_and_by_default_and_or_on_request():
    crit = [("tumour_location", "Colorectum"), ("gene_1", "kras"), ("alteration_1", "mutation"), ("hotspot_1", "1")]
    both = definition_from_form(form(*crit))
    assert both == {"op": "and", "args": [
        {"op": "tumour_location", "locations": ["Colorectum"]},
        {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}]}
    assert definition_from_form(form(*crit, ("combine", "or")))["op"] == "or"


def test_exclude_wraps_a_criterion_in_not():
    d = definition_from_form(form(("msi_status", "MSI"), ("not_msi", "1"), ("sex", "female")))
    assert d == {"op": "and", "args": [{"op": "sex", "values": ["female"]},
                                       {"op": "not", "arg": {"op": "msi", "status": ["MSI"]}}]}


def test_treatment_fields_qualify_the_best_response_when_one_is_ticked():
    d = definition_from_form(form(("mechanism", "Anti-EGFR"), ("best_response", "CR"), ("best_response", "PR")))
    assert d == {"op": "best_response", "values": ["CR", "PR"], "treatment": {"mechanism": "Anti-EGFR"}}


def test_ranges_and_statuses():
    d = definition_from_form(form(("age_min", "40"), ("purity_max", "0.5"), ("tmb_status", "HIGH"), ("wgd", "no")))
    assert {"op": "age_at_biopsy", "min": 40.0} in d["args"]
    assert {"op": "purity", "max": 0.5} in d["args"]
    assert {"op": "tmb", "status": "HIGH"} in d["args"] and {"op": "wgd", "value": False} in d["args"]


def test_the_json_box_wins_and_may_nest():
    tree = '{"op": "or", "args": [{"op": "msi", "status": ["MSI"]}, {"op": "not", "arg": {"op": "sex", "values": ["male"]}}]}'
    assert definition_from_form(form(("definition_json", tree), ("sex", "female")))["op"] == "or"


def test_mistakes_are_refused_with_where_and_why():
    with pytest.raises(CohortError, match="min .* is above max"):
        definition_from_form(form(("age_min", "80"), ("age_max", "40")))
    with pytest.raises(CohortError, match="age_min: 'old' is not a number"):
        definition_from_form(form(("age_min", "old")))
    with pytest.raises(CohortError, match="JSON box"):
        definition_from_form(form(("definition_json", "{not json")))
