"""What each requester sees (DESIGN.md, Beacon disclosure): anonymous users a boolean,
registered users counts with a floor and rounded up, visa holders records of the datasets
their ControlledAccessGrants visas name; and nobody more than the query budget allows."""

from __future__ import annotations

import datetime as dt

from joserfc.jwk import OKPKey

from onconode.access.rate_limits import Limit, Taken
from onconode.analysis.beacon_rules import Requester, blur
from onconode.analysis.disclosure import DisclosureSettings
from onconode.interfaces.http.beacon_budget import BUCKET
from tests.beacon.helpers import bearer, visa
from tests.web.conftest import login, make_person

DATASET = "HMF-SYNTH"


def ask(client, headers=None, **params):
    r = client.get("/beacon/individuals", params={"requestedGranularity": "record", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def test_anonymous_users_get_a_boolean_whatever_they_ask_for(client):
    doc = ask(client)
    assert doc["meta"]["returnedGranularity"] == "boolean"
    assert doc["responseSummary"] == {"exists": True} and "response" not in doc


def test_registered_users_get_counts_with_a_floor_and_rounded_up(client, node):
    login(client, make_person(node, "reader@example.org", mfa=False))
    doc = ask(client)
    assert doc["meta"]["returnedGranularity"] == "count"
    n = doc["responseSummary"]["numTotalResults"]
    assert n % 10 == 0 and n >= 80 and doc["responseSummary"]["countPrecision"] == "rounded"


def test_blurring_hides_small_counts_and_never_shows_the_exact_small_number():
    s = DisclosureSettings()
    assert [blur(n, s, exact=False).value for n in (0, 1, 4, 5, 11, 20)] == [0, 5, 5, 10, 20, 20]
    assert blur(1, s, exact=False).precision == "imprecise" and blur(3, s, exact=True).value == 3
    assert blur(1, DisclosureSettings(min_cell=10), exact=False).value == 10  # a stricter node is stricter here too


def test_a_visa_for_the_dataset_gives_its_records_and_exact_counts(client, node):
    doc = ask(client, bearer(visa(node, DATASET)), limit=5)
    assert doc["meta"]["returnedGranularity"] == "record"
    [rs] = doc["response"]["resultSets"]
    assert rs["id"] == DATASET and len(rs["results"]) == 5 and rs["countPrecision"] == "exact"
    assert rs["resultsCount"] == doc["responseSummary"]["numTotalResults"] == 80


def test_pages_follow_the_spec_skip_counts_pages(client, node):
    h = bearer(visa(node, DATASET))
    ids = [r["id"] for r in ask(client, h, limit=10)["response"]["resultSets"][0]["results"]]
    second = [r["id"] for r in ask(client, h, limit=5, skip=1)["response"]["resultSets"][0]["results"]]
    assert second == ids[5:10]


def test_a_visa_for_another_dataset_gives_only_counts_here(client, node):
    doc = ask(client, bearer(visa(node, "OTHER-DATASET")))
    assert doc["meta"]["returnedGranularity"] == "count"


def test_a_passport_carrying_visas_is_accepted(client, node):
    from joserfc import jwt

    from onconode.access.visas import ALG, signing_key_for

    key = signing_key_for(node.gov)
    now = int(node.now().timestamp())
    passport = jwt.encode({"alg": ALG, "kid": key.kid}, {"iss": node.gov.issuer, "sub": "r@example.org", "iat": now,
                                                          "exp": now + 600, "ga4gh_passport_v1": [visa(node, DATASET)]},
                          key, algorithms=[ALG])
    assert ask(client, bearer(passport))["meta"]["returnedGranularity"] == "record"


def test_forged_and_expired_visas_are_refused_not_downgraded(client, node):
    forged = visa(node, DATASET, key=OKPKey.generate_key("Ed25519", auto_kid=True))
    expired = visa(node, DATASET, ttl=dt.timedelta(seconds=-10))
    for token in (forged, expired):
        r = client.get("/beacon/individuals", headers=bearer(token))
        assert r.status_code == 401 and "not a valid visa" in r.json()["error"]["errorMessage"]


def test_the_query_budget_refuses_the_next_query_and_says_when_to_retry(client, node):
    (node.home / "onconode.toml").write_text("[beacon.budget]\nlimit = 3\nwindow_seconds = 60\n")
    node.__dict__.pop("settings", None)   # a server reads its settings at start: as if restarted
    for _ in range(3):
        assert client.get("/beacon/individuals").status_code == 200
    r = client.get("/beacon/g_variants", params={"geneId": "TP53"})
    assert r.status_code == 429 and "3 Beacon queries per 60 s" in r.json()["error"]["errorMessage"]
    assert 0 < int(r.headers["retry-after"]) <= 60  # a client or aggregator knows when to come back
    # another requester (a visa holder) has a budget of their own
    assert client.get("/beacon/individuals", headers=bearer(visa(node, DATASET))).status_code == 200


def test_a_refused_position_query_says_when_to_retry_on_the_fast_lane_too(client, node):
    (node.home / "onconode.toml").write_text("[beacon.budget]\nlimit = 2\nwindow_seconds = 60\n")
    node.__dict__.pop("settings", None)   # a server reads its settings at start: as if restarted
    query = {"referenceName": "17", "start": "7675000", "referenceBases": "C", "alternateBases": "T"}
    answers = [client.get("/beacon/g_variants", params=query) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert all(0 < int(a.headers["retry-after"]) <= 60 for a in answers[2:])


def test_the_budget_is_a_sliding_window(node):
    limit = Limit(BUCKET, attempts=2, window=dt.timedelta(seconds=10))
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert [limit.take(node.gov.engine, "ip:1", t0) for _ in range(2)] == [Taken(0, 1), Taken(0, 0)]
    assert limit.take(node.gov.engine, "ip:1", t0 + dt.timedelta(seconds=4)) == Taken(6, 0)  # refused, not counted
    assert limit.take(node.gov.engine, "ip:1", t0 + dt.timedelta(seconds=10.5)) == Taken(0, 1)


def test_several_visas_joined_by_commas_grant_each_dataset(client, node):
    token = ",".join([visa(node, "OTHER-DATASET"), visa(node, DATASET)])
    assert ask(client, bearer(token))["meta"]["returnedGranularity"] == "record"


def test_concurrent_queries_share_the_store_safely(live_server):
    import asyncio

    import httpx

    async def many() -> list[int]:
        async with httpx.AsyncClient(base_url=live_server, timeout=60) as c:
            rs = await asyncio.gather(*(c.get("/beacon/g_variants", params={"referenceName": "17", "start": 7_500_000 + i,
                                                                            "end": 7_700_000}) for i in range(16)))
        return [r.status_code for r in rs]

    assert asyncio.run(many()) == [200] * 16
