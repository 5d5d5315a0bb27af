"""Every Beacon response validates against the official v2.1.1 schemas, crawled the way the
Beacon verifier does (reference/beacon.md §3): informational endpoints, then for each
endpoint set of the live /map its root, the first id's single-entry URL and every related
URL, validating envelopes and each record against the entity's default schema."""

from __future__ import annotations

import pytest

from tests.beacon.helpers import bearer, visa

DATASET = "HMF-SYNTH"


def _kind(doc: dict) -> str:
    if "error" in doc:
        return "error"
    if "collections" in doc.get("response", {}):
        return "collections"
    return doc["meta"]["returnedGranularity"]


def _check(schemas, doc: dict, entry_type: str) -> None:
    assert schemas.errors(_kind(doc), doc) == [], doc
    if _kind(doc) == "record":
        for rs in doc["response"]["resultSets"]:
            for rec in rs["results"]:
                assert schemas.record_errors(entry_type, rec) == [], rec
    if _kind(doc) == "collections":
        for rec in doc["response"]["collections"]:
            assert schemas.record_errors(entry_type, rec) == [], rec


def _first_id(doc: dict) -> str | None:
    if "collections" in doc.get("response", {}):
        return doc["response"]["collections"][0]["id"]
    for rs in doc["response"]["resultSets"]:
        for rec in rs["results"]:
            return rec.get("id") or rec.get("variantInternalId")
    return None


def test_the_schema_check_itself_rejects_a_broken_document(schemas):
    assert schemas.errors("boolean", {"meta": {}, "responseSummary": {}}) != []
    assert schemas.record_errors("individual", {"id": "x"}) != []  # sex is required


@pytest.mark.parametrize("path,kind", [
    ("/beacon/", "info"), ("/beacon/info", "info"), ("/beacon/service-info", "service-info"),
    ("/beacon/configuration", "configuration"), ("/beacon/map", "map"), ("/beacon/entry_types", "entry_types"),
    ("/beacon/filtering_terms", "filtering_terms"), ("/beacon/individuals/filtering_terms", "filtering_terms"),
    (f"/beacon/datasets/{DATASET}/filtering_terms", "filtering_terms")])
def test_informational_endpoints_validate(client, schemas, path, kind):
    r = client.get(path)
    assert r.status_code == 200
    assert schemas.errors(kind, r.json()) == []


def test_service_info_names_the_beacon_type_the_way_registries_read_it(client):
    t = client.get("/beacon/service-info").json()["type"]
    assert (t["group"], t["artifact"]) == ("org.ga4gh", "beacon")


def test_crawl_of_every_map_endpoint_with_records_validates(client, node, schemas):
    headers = bearer(visa(node, DATASET))
    sets = client.get("/beacon/map").json()["response"]["endpointSets"]
    assert {s["entryType"] for s in sets.values()} == {"individual", "biosample", "genomicVariant", "analysis", "run",
                                                       "dataset", "cohort"}
    for s in sets.values():
        root = s["rootUrl"].removeprefix("https://testserver")
        r = client.get(root, params={"requestedGranularity": "record", "limit": 3}, headers=headers)
        assert r.status_code == 200, (root, r.text)
        doc = r.json()
        assert doc["meta"]["returnedGranularity"] == "record"
        _check(schemas, doc, s["entryType"])
        first = _first_id(doc)
        assert first, f"{root} returned no records"
        single = s["singleEntryUrl"].removeprefix("https://testserver").replace("{id}", first)
        r = client.get(single, params={"requestedGranularity": "record"}, headers=headers)
        assert r.status_code == 200, (single, r.text)
        _check(schemas, r.json(), s["entryType"])
        for related in s["endpoints"].values():
            url = related["url"].removeprefix("https://testserver").replace("{id}", first)
            r = client.get(url, params={"requestedGranularity": "record", "limit": 2}, headers=headers)
            assert r.status_code == 200, (url, r.text)
            _check(schemas, r.json(), related["returnedEntryType"])
            assert r.json()["responseSummary"]["exists"], f"{url}: nothing related to {first}"


@pytest.mark.parametrize("granularity", ["boolean", "count", "record"])
def test_every_root_answers_post_and_validates_at_each_granularity(client, node, schemas, granularity):
    headers = bearer(visa(node, DATASET))
    body = {"meta": {"apiVersion": "v2.0.0"}, "query": {"requestedGranularity": granularity, "pagination": {"skip": 0, "limit": 2}}}
    for path, entry_type in [("individuals", "individual"), ("biosamples", "biosample"), ("g_variants", "genomicVariant"),
                             ("analyses", "analysis"), ("runs", "run")]:
        r = client.post(f"/beacon/{path}", json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["meta"]["returnedGranularity"] == granularity
        _check(schemas, r.json(), entry_type)


def test_errors_are_beacon_error_responses(client, schemas):
    for r, code in [(client.get("/beacon/g_variants", params={"referenceName": "chr99", "start": 5, "alternateBases": "A"}), 400),
                    (client.get("/beacon/individuals", params={"filters": "DOID:99999999"}), 400),
                    (client.get("/beacon/nonsense"), 404),
                    (client.get("/beacon/individuals", headers=bearer("not-a-token")), 401)]:
        assert r.status_code == code
        assert schemas.errors("error", r.json()) == [] and r.json()["error"]["errorCode"] == code


def test_test_mode_answers_without_authentication_and_says_so(client, schemas):
    body = {"meta": {"apiVersion": "v2.0.0"}, "query": {"testMode": True, "requestedGranularity": "record"}}
    doc = client.post("/beacon/individuals", json=body).json()
    assert doc["meta"]["testMode"] is True and doc["meta"]["returnedGranularity"] == "boolean"
    _check(schemas, doc, "individual")
