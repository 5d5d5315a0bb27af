"""g_variants query profiles (sequence, range, bracket, gene, amino-acid change, HGVS) give
the same answers as plain SQL on the store, in every request form (GET, POST nested and
flat), and say exactly what is wrong with a malformed query."""

from __future__ import annotations

import pytest

from onconode.access import rate_limits
from onconode.beacon.search import Scope
from onconode.analysis.beacon_rules import QueryBudget
from onconode.interfaces.http.beacon_budget import BUCKET
from onconode.store.withdraw import withdraw_patient
from tests.beacon.helpers import bearer, visa

DATASET = "HMF-SYNTH"


def sql(node, query: str, params: list) -> list[tuple]:
    """The truth, straight from the store at freeze DR-TEST."""
    store = node.store
    v = store.resolve("DR-TEST")
    variants, samples = store.relation_sql("somatic_variant", v), store.relation_sql("sample", v)
    return store.con.execute(query.format(v=variants, s=samples), params).fetchall()


@pytest.fixture
def tp53(node):
    """A TP53 variant with a protein change, and its carriers."""
    row = sql(node, "SELECT chromosome, position, ref, alt, gene, hgvs_protein, hgvs_coding FROM ({v}) "
                    "WHERE gene = ? AND hgvs_protein LIKE 'p.%' AND length(ref) = 1 AND length(alt) = 1 "
                    "ORDER BY position LIMIT 1", ["TP53"])
    assert row, "the synthetic cohort has TP53 point mutations"
    return row[0]


def count(client, node, **params) -> int:
    r = client.get("/beacon/g_variants", params={"requestedGranularity": "count", **params},
                   headers=bearer(visa(node, DATASET)))
    assert r.status_code == 200, r.text
    return r.json()["responseSummary"]["numTotalResults"]


def test_a_sequence_query_finds_the_variant_at_its_zero_based_start(client, node, tp53):
    chrom, pos, ref, alt, *_ = tp53
    assert count(client, node, referenceName=chrom, start=pos - 1, referenceBases=ref, alternateBases=alt) == 1
    assert count(client, node, referenceName=f"chr{chrom}", start=pos, referenceBases=ref, alternateBases=alt) == 0


def test_reference_name_spellings_mean_the_same_chromosome(client, node, tp53):
    chrom, pos, ref, alt, *_ = tp53
    answers = {count(client, node, referenceName=name, start=pos - 1, alternateBases=alt)
               for name in (chrom, f"chr{chrom}", "refseq:NC_000017.10", "NC_000017.10")}
    assert answers == {1}


def test_a_range_query_counts_every_distinct_variant_overlapping_it(client, node):
    start, end = 7_560_000, 7_600_000
    truth = sql(node, "SELECT count(*) FROM (SELECT DISTINCT chromosome, position, ref, alt FROM ({v}) WHERE chromosome = '17' "
                      "AND position - 1 < ? AND position - 1 + length(ref) > ?)", [end, start])[0][0]
    assert truth > 0
    assert count(client, node, referenceName="17", start=start, end=end) == truth


def test_a_bracket_query_bounds_start_and_end(client, node, tp53):
    chrom, pos, *_ = tp53
    s0 = pos - 1
    n = count(client, node, referenceName=chrom, start=f"{s0},{s0}", end=f"{s0 + 1},{s0 + 1}")
    truth = sql(node, "SELECT count(*) FROM (SELECT DISTINCT position, ref, alt FROM ({v}) WHERE chromosome = ? AND position = ? "
                      "AND length(ref) = 1)", [chrom, pos])[0][0]
    assert n == truth >= 1


def test_gene_and_amino_acid_change_queries_use_the_annotation(client, node, tp53):
    *_, gene, protein, coding = tp53
    genes = sql(node, "SELECT count(*) FROM (SELECT DISTINCT chromosome, position, ref, alt FROM ({v}) WHERE gene = ?)", [gene])[0][0]
    assert count(client, node, geneId=gene) == genes
    assert count(client, node, geneid=gene) == genes  # the OpenAPI's spelling
    one_letter = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G", "His": "H",
                  "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W",
                  "Tyr": "Y", "Val": "V"}
    p = protein.removeprefix("p.")
    if p[-3:] in one_letter and p[:3] in one_letter:
        short = f"{one_letter[p[:3]]}{p[3:-3]}{one_letter[p[-3:]]}"
        assert count(client, node, geneId=gene, aminoacidChange=short) >= 1
    assert count(client, node, geneId=gene, aminoacidChange=p) >= 1
    assert count(client, node, allele=f"NM_000546.5:{coding}") >= 1


def test_get_post_nested_and_post_flat_forms_agree(client, node, tp53):
    chrom, pos, ref, alt, *_ = tp53
    params = {"referenceName": chrom, "start": [pos - 1], "referenceBases": ref, "alternateBases": alt}
    headers = bearer(visa(node, DATASET))
    answers = []
    for rp in ({"g_variant": params}, params):
        body = {"meta": {"apiVersion": "v2.0.0"}, "query": {"requestParameters": rp, "requestedGranularity": "record"}}
        doc = client.post("/beacon/g_variants", json=body, headers=headers).json()
        assert doc["meta"]["receivedRequestSummary"]["requestParameters"] == {"g_variant": params}
        answers.append([r["variantInternalId"] for rs in doc["response"]["resultSets"] for r in rs["results"]])
    assert answers[0] == answers[1] == [f"GRCh37-{chrom}-{pos}-{ref}-{alt}"]


def test_carriers_of_a_variant_are_its_individuals(client, node, tp53):
    chrom, pos, ref, alt, *_ = tp53
    carriers = {r[0] for r in sql(node, "SELECT s.patient_id FROM ({v}) v JOIN ({s}) s USING (sample_id) WHERE chromosome = ? "
                                          "AND position = ? AND ref = ? AND alt = ?", [chrom, pos, ref, alt])}
    doc = client.get(f"/beacon/g_variants/GRCh37-{chrom}-{pos}-{ref}-{alt}/individuals",
                     params={"requestedGranularity": "record", "limit": 100}, headers=bearer(visa(node, DATASET))).json()
    assert {r["id"] for rs in doc["response"]["resultSets"] for r in rs["results"]} == carriers


@pytest.mark.parametrize("params,message", [
    ({"referenceName": "17", "start": "10"}, "needs alternateBases"),
    ({"referenceName": "17", "start": "10", "end": "5"}, "must be after start"),
    ({"start": "10", "alternateBases": "A"}, "needs referenceName"),
    ({"referenceName": "17", "start": "x", "alternateBases": "A"}, "integers"),
    ({"referenceName": "17", "start": "10", "alternateBases": "Z"}, "IUPAC"),
    ({"assemblyId": "GRCh38", "referenceName": "17", "start": "10", "alternateBases": "A"}, "GRCh37"),
    ({"geneId": "BRAF", "aminoacidChange": "V600"}, "not a protein change"),
])
def test_malformed_variant_queries_are_refused_with_the_reason(client, params, message):
    r = client.get("/beacon/g_variants", params=params)
    assert r.status_code == 400 and message in r.json()["error"]["errorMessage"]


def test_filters_restrict_by_tumour_type_with_descendants_and_by_sex(client, node):
    doid, n = sql(node, "SELECT split_part(primary_tumor_doids, ',', 1), count(DISTINCT patient_id) FROM ({s}) GROUP BY 1 "
                        "ORDER BY 2 DESC LIMIT 1", [])[0]
    headers = bearer(visa(node, DATASET))

    def individuals(filters: str) -> int:
        r = client.get("/beacon/individuals", params={"filters": filters, "requestedGranularity": "count"}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["responseSummary"]["numTotalResults"]

    assert individuals(f"DOID:{doid}") >= n
    females, males = individuals("NCIT:C16576"), individuals("NCIT:C20197")
    assert females + males <= individuals("NCIT:C16576,NCIT:C20197")  # one field: OR (spec FAQ)
    assert individuals(f"DOID:{doid},NCIT:C16576") <= min(females, individuals(f"DOID:{doid}"))  # fields: AND


def general(snap, q) -> dict[str, int]:
    """Counts of the general query (search.py), which answers a position query when no index is built."""
    from onconode.beacon import search

    return search.counts(search.matches(snap, "g_variants", q))


def test_the_position_index_of_a_freeze_answers_like_the_store(client, node, tp53):
    from typer.testing import CliRunner

    from onconode.beacon import fast
    from onconode.beacon.positions import PositionIndex, index_of
    from onconode.beacon.request import from_get
    from onconode.interfaces.cli.main import app

    r = CliRunner().invoke(app, ["--home", str(node.home), "beacon", "index"])
    assert r.exit_code == 0, r.output
    with node.snapshot("DR-TEST") as snap:
        path = index_of(snap.store, "DR-TEST")
    assert "of freeze DR-TEST" in r.output and path is not None
    index = PositionIndex(path)
    chrom, pos, ref, alt, *_ = tp53
    with node.snapshot("DR-TEST") as snap:
        for params in ({"referenceName": chrom, "start": str(pos - 1), "referenceBases": ref, "alternateBases": alt},
                       {"referenceName": chrom, "start": "7500000", "end": "7700000"}):
            q = from_get(params)
            assert fast.applies(q, Scope()) and fast.indexed_counts(index, q) == general(snap, q) != {}
    assert count(client, node, referenceName=chrom, start=pos - 1, alternateBases=alt) == 1


def test_the_position_index_answers_hits_misses_ranges_and_unknown_alleles_like_the_store(node):
    import random

    from onconode.beacon import fast
    from onconode.beacon.positions import PositionIndex, build
    from onconode.beacon.request import from_get

    _, path, rows = build(node.home, "DR-TEST")
    index = PositionIndex(path)
    variants = sql(node, "SELECT chromosome, position, ref, alt FROM ({v}) ORDER BY chromosome, position, ref, alt", [])
    assert rows == len(set(variants)) > 0  # one row per distinct variant of the single dataset
    rng = random.Random(5)
    queries = [{"referenceName": "17", "start": "0", "end": "300000000"}, {"referenceName": "Y", "start": "10"},
               {"referenceName": "1", "start": "5", "alternateBases": "GATTACA"}, {"referenceName": "2", "start": "99999999999"},
               {"referenceName": "2", "start": "4294967290", "end": "99999999999"}]
    for chrom, pos, ref, alt in rng.sample(variants, 60):
        shift = rng.choice([0, 0, 1, -1, 500])
        queries += [{"referenceName": chrom, "start": str(pos - 1 + shift), "referenceBases": ref, "alternateBases": alt},
                    {"referenceName": f"chr{chrom}", "start": str(pos - 1), "alternateBases": "N"},
                    {"referenceName": chrom, "start": str(pos - 1), "referenceBases": ref[::-1] + "A"},
                    {"referenceName": chrom, "start": str(max(pos - rng.randint(1, 3000), 0)), "end": str(pos + rng.randint(0, 3000)),
                     **({"alternateBases": alt} if shift else {})}]
    queries = [p for p in queries if fast.applies(from_get(p), Scope())]  # what the index is asked
    with node.snapshot("DR-TEST") as snap:
        answers = [(fast.indexed_counts(index, from_get(p)), general(snap, from_get(p))) for p in queries]
    assert all(a == b for a, b in answers), [(p, a, b) for p, (a, b) in zip(queries, answers) if a != b][:3]
    assert sum(1 for a, _ in answers if a) > 60  # hits, not only empty answers


def test_position_queries_answered_from_the_index_match_the_store_for_every_requester_and_spend_the_budget(node, tp53):
    from fastapi.testclient import TestClient

    from onconode.interfaces.http.beacon_lane import PositionLane
    from onconode.beacon.positions import build
    from onconode.interfaces.http.app import create_app
    from onconode.interfaces.http.node import Node
    from tests.web.conftest import FAST_ARGON2, login, make_person

    chrom, pos, ref, alt, *_ = tp53
    person = make_person(node, "reader@example.org", mfa=False)
    queries = [{"referenceName": chrom, "start": pos - 1, "referenceBases": ref, "alternateBases": alt},
               {"referenceName": f"chr{chrom}", "start": pos + 5, "alternateBases": "T"},
               {"referenceName": chrom, "start": 7_500_000, "end": 7_700_000, "testMode": "true"}]

    lanes: list[PositionLane] = []

    def answers(n: Node) -> list[tuple[int, dict]]:
        out = []
        app = create_app(n)
        with TestClient(app, base_url="https://testserver") as c:
            for who in ("anonymous", "visa", "registered"):
                if who == "registered":
                    login(c, person)
                headers = bearer(visa(n, DATASET)) if who == "visa" else {}
                for params in queries:
                    for granularity in ("boolean", "count", "record"):
                        r = c.get("/beacon/g_variants", params={**params, "requestedGranularity": granularity}, headers=headers)
                        out.append((r.status_code, r.json()))
            m = app.middleware_stack
            while not isinstance(m, PositionLane):
                m = m.app
            lanes.append(m)
        return out

    from_store = answers(node)
    build(node.home, "DR-TEST")
    indexed = Node(node.home, governance_options=FAST_ARGON2)
    try:
        assert answers(indexed) == from_store
        assert indexed.__dict__["beacon_served"][1] is not None  # the index did answer
        assert lanes[0].answered == 0 and lanes[1].answered > 0  # anonymous sequence queries took the lane
    finally:
        indexed.close()
    (node.home / "onconode.toml").write_text("[beacon.budget]\nlimit = 2\nwindow_seconds = 60\n")
    # the budget is the node's (governance database), not a process's: start a new window
    rate_limits.forget(node.gov.engine, BUCKET, "ip:testclient")
    limited = Node(node.home, governance_options=FAST_ARGON2)
    try:
        with TestClient(create_app(limited), base_url="https://testserver") as c:
            codes = [c.get("/beacon/g_variants", params=queries[0]).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        limited.close()


def test_an_index_built_before_a_withdrawal_is_not_used(tmp_path):
    from onconode.analysis.disclosure import DisclosureSettings
    from onconode.beacon.info import BeaconInfo
    from onconode.beacon.positions import PositionIndex, build
    from onconode.beacon.service import BeaconService
    from onconode.store import Store

    from tests.conftest import frozen_synthetic_store

    home = frozen_synthetic_store(tmp_path / "node", patients=6, seed=3, median_variants=30, freeze="F1")
    _, path, rows = build(home, "F1")
    service = BeaconService(BeaconInfo(), DisclosureSettings(), QueryBudget(take=lambda key: pytest.fail("positions() spends no budget")), home=home)
    with Store.open(home, read_only=True) as store:
        assert service.positions(store.snapshot("F1")) is not None
    with Store.open(home) as store:
        patient = store.con.execute("SELECT patient_id FROM sample JOIN somatic_variant USING (sample_id) LIMIT 1").fetchall()[0][0]
        withdraw_patient(store, patient, "test")
    assert not path.exists()   # the registry dropped it with every other derived copy
    with Store.open(home, read_only=True) as store:
        assert service.positions(store.snapshot("F1")) is None   # the Beacon answers from the store meanwhile
    _, again, fewer = build(home, "F1")
    assert again != path and fewer < rows and PositionIndex(again).meta["withdrawals"] == 1


def test_a_new_store_connection_makes_the_beacon_look_up_its_index_again(tmp_path):
    """A reader that moves to a new store connection (a new version or a withdrawal
    published to it) must not keep answering from the index it found on the old one."""
    from fastapi.testclient import TestClient

    from onconode.beacon.positions import build
    from onconode.interfaces.http.beacon import served_now
    from onconode.store import Store
    from onconode.interfaces.http.app import create_app
    from onconode.interfaces.http.node import Node
    from tests.conftest import frozen_synthetic_store
    from tests.web.conftest import FAST_ARGON2

    home = frozen_synthetic_store(tmp_path / "node", patients=6, seed=3, median_variants=30, freeze="F1")
    build(home, "F1")
    with Store.open(home, read_only=True) as store:
        patient, chrom, pos, ref, alt = store.con.execute(
            "SELECT any_value(s.patient_id), v.chromosome, v.position, v.ref, v.alt FROM somatic_variant v JOIN sample s "
            "USING (sample_id) GROUP BY 2, 3, 4, 5 HAVING count(DISTINCT s.patient_id) = 1 ORDER BY 2, 3 LIMIT 1").fetchall()[0]
    query = {"referenceName": chrom, "start": pos - 1, "referenceBases": ref, "alternateBases": alt}
    node = Node(home, governance_options=FAST_ARGON2)
    try:
        with TestClient(create_app(node), base_url="https://testserver") as c:
            assert c.get("/beacon/g_variants", params=query).json()["responseSummary"]["exists"] is True
            assert served_now(node)[1] is not None   # answered from the index
            node._store.close()
            node._store = None   # what a reader does when a new store state is published to it
            with Store.open(home) as store:
                withdraw_patient(store, patient, "test")
            assert c.get("/beacon/g_variants", params=query).json()["responseSummary"]["exists"] is False
            assert served_now(node)[1] is None   # the index was of the old key: the store answers until it is rebuilt
    finally:
        node.close()
