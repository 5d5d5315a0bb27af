"""The analysis REST API as a researcher (anonymous or logged in) meets it, on the
300-patient synthetic node with freeze DR-TEST: every endpoint answers with figures the
disclosure gate released, on a named freeze, as JSON or TSV."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from onconode.analysis.result_tables import cell_text, table
from onconode.interfaces.http.app import create_app
from tests.web.conftest import FREEZE, login, make_person

ALL = {"op": "all"}
CRC = {"op": "tumour_type", "doids": ["9256"]}
MSI = {"op": "msi", "status": ["MSI"]}
KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation", "hotspot": True}


def anonymous(client: TestClient) -> str:
    """Start an anonymous session the way a script would; returns the gate's user id."""
    body = client.get("/api/analysis/caller").json()
    client.headers["X-CSRF-Token"] = body["csrf"]
    return body["user"]


NOT_COUNTS = {"version", "df", "perturbation"}  # the store version, a test's degrees of freedom, the noise settings


def small_cells(value) -> list[int]:
    """Every integer count from 1 to 4 anywhere in a released result (must be none)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value] if 0 < value < 5 else []
    if isinstance(value, dict):
        return [x for k, v in value.items() if k not in NOT_COUNTS for x in small_cells(v)]
    if isinstance(value, list):
        return [x for v in value for x in small_cells(v)]
    return []


def small_location(client: TestClient) -> str:
    """A primary tumour location with 1..4 patients (its own count is refused as too small)."""
    summary = client.post("/api/analysis/summary", json={"cohort": ALL}).json()
    for location, shown in summary["counts"]["tumour_type"].items():
        if shown == "<5":
            r = client.post("/api/analysis/count", json={"cohort": {"op": "tumour_location", "locations": [location]}})
            if r.status_code == 403 and "fewer than 5 patients" in r.json()["detail"]:
                return location
    pytest.fail("the synthetic cohort has no tumour location with 1..4 patients")


def test_anonymous_callers_get_a_session_user_and_a_csrf_token(client):
    user = anonymous(client)
    assert user.startswith("anonymous:")
    assert anonymous(client) == user  # the same session, the same user


def test_analyses_refuse_a_post_without_the_csrf_token(client):
    r = client.post("/api/analysis/count", json={"cohort": ALL})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_count_is_controlled_and_says_which_freeze_it_read(client):
    anonymous(client)
    body = client.post("/api/analysis/count", json={"cohort": ALL}).json()
    assert abs(body["patients"] - 300) <= 3 and body["samples"] >= 297   # perturbed
    assert body["disclosure"] == "controlled"
    assert body["freeze"] == FREEZE and isinstance(body["version"], int)


def test_an_unknown_freeze_is_404_naming_the_known_ones(client):
    anonymous(client)
    r = client.post("/api/analysis/count", json={"cohort": ALL, "freeze": "DR-NOPE"})
    assert r.status_code == 404 and "DR-TEST" in r.json()["detail"]


def test_small_cells_come_back_as_below_five(client):
    anonymous(client)
    summary = client.post("/api/analysis/summary", json={"cohort": ALL}).json()
    assert "<5" in summary["counts"]["tumour_type"].values()
    compare = client.post("/api/analysis/compare", json={"groups": {"MSI": {"cohort": MSI}, "rest": {"cohort": ALL}},
                                                         "genes": ["KRAS", "TP53", "APC"]}).json()
    assert all(c == "<5" or isinstance(c, int) for row in compare["alterations"] for c in row["altered"])
    assert compare["markers"]["<5"].startswith("a count whose perturbed value is 1 to 4")
    for result in (summary, compare):
        assert small_cells(result) == []


def test_a_group_of_fewer_than_five_patients_is_refused(client):
    anonymous(client)
    location = small_location(client)
    r = client.post("/api/analysis/count", json={"cohort": {"op": "tumour_location", "locations": [location]}})
    assert r.status_code == 403 and "widen its definition" in r.json()["detail"]


def test_a_fresh_visitor_behind_a_shared_address_is_answered_on_their_first_query(client, node):
    """The history keyed by client address refused a newcomer's first query because
    someone else at that address had counted the whole database."""
    anonymous(client)
    location = small_location(client)
    assert client.post("/api/analysis/count", json={"cohort": ALL}).status_code == 200
    rest = {"op": "not", "arg": {"op": "tumour_location", "locations": [location]}}
    with TestClient(create_app(node), base_url="https://testserver") as fresh:  # same address, no cookie
        assert anonymous(fresh) != anonymous(client)
        first = fresh.post("/api/analysis/count", json={"cohort": rest})
        assert first.status_code == 200, first.text
    again = client.post("/api/analysis/count", json={"cohort": rest}).json()
    assert again["patients"] == first.json()["patients"]          # the same patients, the same figure, for anyone


def test_answers_are_perturbed_and_carry_the_legend_of_their_markers(client):
    anonymous(client)
    r = client.post("/api/analysis/count", json={"cohort": ALL}).json()
    assert r["perturbation"]["method"] == "cell-key" and set(r["markers"]) == {"<5", "withheld"}


@pytest.mark.parametrize("field, body, named", [
    ("cohort", {"cohort": {"op": "and", "args": [{"op": "purity", "min": 0.9, "max": 0.1}, {"op": "sex", "values": ["M"]}]}},
     ["cohort.args[0]: min (0.9) is above max (0.1)", "cohort.args[1].values[0]"]),
    ("cohort", {"cohort": {"op": "shoe_size", "min": 40}}, ["cohort"]),
])
def test_a_bad_cohort_definition_is_422_naming_the_field(client, field, body, named):
    anonymous(client)
    r = client.post("/api/analysis/count", json=body)
    assert r.status_code == 422, r.text
    for text in named:
        assert text in r.json()["detail"]


def test_a_bad_biomarker_or_group_is_named_too(client):
    anonymous(client)
    r = client.post("/api/analysis/response", json={"cohort": CRC, "treatment": {"mechanism": "Anti-EGFR"},
                                                    "biomarker": {"cohort": {"op": "gene_altered"}}})
    assert r.status_code == 422 and "biomarker.gene: Field required" in r.json()["detail"]
    r = client.post("/api/analysis/survival", json={"groups": {"MSI": {"cohort": {"op": "msi", "status": ["HIGH"]}}}})
    assert r.status_code == 422 and "groups.MSI.status[0]" in r.json()["detail"]


def test_a_request_needs_exactly_one_of_cohort_or_cohort_id(client):
    anonymous(client)
    r = client.post("/api/analysis/count", json={})
    assert r.status_code == 422 and "exactly one of 'cohort'" in r.text


def test_summary_frequency_and_oncoprint(client):
    anonymous(client)
    summary = client.post("/api/analysis/summary", json={"cohort": CRC}).json()
    assert summary["analysis"] == "cohort_summary" and "max" not in summary["distributions"]["tmb_per_mb"]
    freq = client.post("/api/analysis/frequency", json={"cohort": ALL, "genes": ["KRAS", "TP53"], "kinds": ["MUTATION"]}).json()
    assert {r["gene"] for r in freq["rows"]} == {"KRAS", "TP53"} and all(r["kind"] == "MUTATION" for r in freq["rows"])
    onco = client.post("/api/analysis/oncoprint", json={"cohort": ALL, "genes": ["KRAS", "TP53", "APC"]}).json()
    assert "matrix" not in onco and onco["patterns"]  # no sample-level rows without a licence
    assert "HMF" not in str(onco)


def test_an_oncoprint_without_genes_is_422(client):
    anonymous(client)
    assert client.post("/api/analysis/oncoprint", json={"cohort": ALL, "genes": []}).status_code == 422


def test_compare_and_survival_return_their_tests(client):
    anonymous(client)
    groups = {"CRC": {"cohort": CRC}, "rest": {"cohort": ALL}}
    cmp = client.post("/api/analysis/compare", json={"groups": groups, "genes": ["APC", "KRAS", "TP53"]}).json()
    assert cmp["groups"] == ["CRC", "rest"]
    assert any(isinstance(r["p"], float) and r["q"] is not None for r in cmp["alterations"])
    surv = client.post("/api/analysis/survival", json={"groups": groups, "cox_covariates": ["age"]}).json()
    assert 0 <= surv["logrank"]["p"] <= 1 and [c["group"] for c in surv["curves"]] == ["CRC", "rest"]
    assert surv["time_bins_days"] and surv["cox"]["terms"][0]["term"] == "group[rest]"


def test_an_unknown_cox_covariate_is_422(client):
    anonymous(client)
    r = client.post("/api/analysis/survival", json={"groups": {"all": {"cohort": ALL}}, "cox_covariates": ["shoe_size"]})
    assert r.status_code == 422


def test_tsv_export_round_trips(client):
    anonymous(client)
    body = {"cohort": ALL, "genes": ["KRAS", "TP53", "BRAF"]}
    as_json = client.post("/api/analysis/frequency", json=body).json()
    r = client.post("/api/analysis/frequency?format=tsv", json=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text), delimiter="\t"))
    expected = table(as_json)
    assert rows[0] == expected.columns == ["gene", "kind", "altered", "profiled", "frequency"]
    assert rows[1:] == [[cell_text(v) for v in row] for row in expected.rows]
    assert {(row[0], row[1]) for row in rows[1:]} == {(x["gene"], x["kind"]) for x in as_json["rows"]}
    assert [float(row[4]) if row[4] else None for row in rows[1:]] == [x["frequency"] for x in as_json["rows"]]


def test_tsv_of_a_named_table_and_an_unknown_one(client):
    anonymous(client)
    body = {"groups": {"CRC": {"cohort": CRC}, "rest": {"cohort": ALL}}}
    curves = client.post("/api/analysis/survival?format=tsv&table=groups", json=body)
    rows = list(csv.DictReader(io.StringIO(curves.text), delimiter="\t"))
    assert [r["group"] for r in rows] == ["CRC", "rest"] and all(r["patients"] for r in rows)
    r = client.post("/api/analysis/survival?format=tsv&table=nope", json=body)
    assert r.status_code == 422 and "curves" in r.json()["detail"]


def test_saving_a_cohort_needs_an_account(client):
    anonymous(client)
    r = client.post("/api/cohorts", json={"name": "CRC", "cohort": CRC})
    assert r.status_code == 401


def test_saved_cohorts_are_created_shared_by_id_and_listed_for_their_owner(client, node):
    ann, bob = make_person(node, "ann@example.org"), make_person(node, "bob@example.org")
    login(client, ann)
    r = client.post("/api/cohorts", json={"name": "KRAS-mutant CRC", "cohort": {"op": "and", "args": [CRC, KRAS]}})
    assert r.status_code == 201, r.text
    kept = r.json()
    assert kept["freeze"] == FREEZE and kept["created_by"] == ann.email
    assert [c["cohort_id"] for c in client.get("/api/cohorts").json()] == [kept["cohort_id"]]
    by_id = client.post("/api/analysis/count", json={"cohort_id": kept["cohort_id"]}).json()
    inline = client.post("/api/analysis/count", json={"cohort": kept["definition"]}).json()
    assert by_id["patients"] == inline["patients"] and by_id["freeze"] == FREEZE
    with TestClient(create_app(node), base_url="https://testserver") as other:
        login(other, bob)
        assert other.get(f"/api/cohorts/{kept['cohort_id']}").json()["name"] == "KRAS-mutant CRC"
        assert other.get("/api/cohorts").json() == []


def test_a_saved_cohort_with_a_bad_definition_or_unknown_id(client, node):
    login(client, make_person(node, "ann@example.org"))
    r = client.post("/api/cohorts", json={"name": "bad", "cohort": {"op": "sex", "values": ["M"]}})
    assert r.status_code == 422 and "cohort.values[0]" in r.json()["detail"]
    assert client.get("/api/cohorts/000000000000").status_code == 404
    assert client.post("/api/analysis/count", json={"cohort_id": "000000000000"}).status_code == 404


def test_the_openapi_describes_every_analysis(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for name in ("count", "summary", "frequency", "oncoprint", "compare", "response", "survival"):
        post = paths[f"/api/analysis/{name}"]["post"]
        assert "requestBody" in post and "text/tab-separated-values" in post["responses"]["200"]["content"]
    assert {"/api/cohorts", "/api/cohorts/{cohort_id}", "/api/catalogue", "/catalog.jsonld"} <= set(paths)
