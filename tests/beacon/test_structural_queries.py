"""Copy-number and structural variant queries (variantType, range, bracket, geneId, gene
pairs) find what plain SQL on the store says they should, under the same granularity and
budget rules as small variants, and every answer validates against the Beacon v2 schemas."""

from __future__ import annotations

import pytest

from tests.beacon.helpers import bearer, visa
from tests.web.conftest import login, make_person

DATASET = "HMF-SYNTH"


def sql(node, query: str, params: list | None = None) -> list[tuple]:
    """The truth, straight from the store at freeze DR-TEST ({gcn}, {seg}, {tp}, {drv}, {sv}, {be}, {fu})."""
    store = node.store
    v = store.resolve("DR-TEST")
    names = {"gcn": "gene_copy_number", "seg": "copy_number_segment", "tp": "tumor_profile", "drv": "driver",
             "sv": "structural_variant", "be": "sv_breakend", "fu": "fusion"}
    return store.con.execute(query.format(**{k: f"({store.relation_sql(t, v)})" for k, t in names.items()}),
                             params or []).fetchall()


def ask(client, node, path="/beacon/g_variants", granularity="record", **params) -> dict:
    r = client.get(path, params={"requestedGranularity": granularity, "limit": 100, **params},
                   headers=bearer(visa(node, DATASET)))
    assert r.status_code == 200, r.text
    return r.json()


def ids(doc: dict, key: str = "id") -> set[str]:
    return {rec[key] for rs in doc["response"]["resultSets"] for rec in rs["results"]}


def validate(schemas, doc: dict, entry_type: str = "genomicVariant") -> None:
    assert schemas.errors(doc["meta"]["returnedGranularity"], doc) == [], doc
    for rs in doc.get("response", {}).get("resultSets", []):
        for rec in rs["results"]:
            assert schemas.record_errors(entry_type, rec) == [], rec


@pytest.fixture
def amplified(node) -> tuple[str, set[str]]:
    """The gene amplified in most samples (discrete AMP call or a somatic driver AMP), and those samples."""
    rows = sql(node, "SELECT gene, sample_id FROM {gcn} WHERE cna_call = 'AMP' UNION "
                     "SELECT gene, sample_id FROM {drv} WHERE driver IN ('AMP', 'PARTIAL_AMP') AND NOT coalesce(germline, false)")
    by_gene: dict[str, set[str]] = {}
    for gene, sample in rows:
        by_gene.setdefault(gene, set()).add(sample)
    gene = max(by_gene, key=lambda g: (len(by_gene[g]), g))
    assert len(by_gene[gene]) >= 2, "the synthetic cohort has recurrent amplifications"
    return gene, by_gene[gene]


def test_an_amplification_query_by_gene_finds_the_amplified_samples(client, node, schemas, amplified):
    gene, samples = amplified
    doc = ask(client, node, "/beacon/biosamples", geneId=gene, variantType="EFO:0030072")
    assert ids(doc) == samples
    variants = ask(client, node, geneId=gene, variantType="EFO:0030070")  # gain includes high-level gain
    validate(schemas, variants)
    records = [rec for rs in variants["response"]["resultSets"] for rec in rs["results"]]
    assert records and all(r["variation"]["type"] == "CopyNumberChange" and r["molecularAttributes"]["geneIds"] == [gene]
                           for r in records if r["variation"].get("copy_change") == "efo:0030072")


def test_a_range_query_for_deletions_finds_deep_deletions_losses_and_deleted_segments(client, node, schemas):
    chrom, start1, end1 = sql(node, "SELECT chromosome, start, \"end\" FROM {seg} s JOIN {tp} t USING (sample_id) "
                                    "WHERE s.copy_number < 0.5 ORDER BY sample_id, chromosome, start LIMIT 1")[0]
    start0, end0 = start1 - 1, end1
    truth = {r[0] for r in sql(node, """
        SELECT sample_id FROM {seg} s JOIN {tp} t USING (sample_id)
        WHERE s.chromosome = ? AND s.start - 1 < ? AND s."end" > ? AND s.copy_number IS NOT NULL AND (s.copy_number < 0.5
              OR s.copy_number < 0.75 * CASE WHEN t.gender = 'MALE' AND s.chromosome IN ('X', 'Y') THEN t.ploidy / 2 ELSE t.ploidy END)
        UNION SELECT sample_id FROM {gcn} WHERE cna_call = 'HOMDEL' AND chromosome = ? AND start - 1 < ? AND "end" > ?
        UNION SELECT d.sample_id FROM {drv} d JOIN {gcn} g ON d.sample_id = g.sample_id AND d.gene = g.gene
              WHERE d.driver = 'DEL' AND NOT coalesce(d.germline, false) AND coalesce(g.is_canonical, true)
              AND g.chromosome = ? AND g.start - 1 < ? AND g."end" > ?
        UNION SELECT sample_id FROM {sv} WHERE type = 'DEL' AND start_chromosome = ? AND end_chromosome = ?
              AND start_position - 1 < ? AND end_position > ?""",
        [chrom, end0, start0] * 3 + [chrom, chrom, end0, start0])}
    doc = ask(client, node, "/beacon/biosamples", referenceName=chrom, start=start0, end=end0, variantType="DEL")
    assert ids(doc) == truth and truth
    variants = ask(client, node, referenceName=chrom, start=start0, end=end0, variantType="EFO:0030069")
    validate(schemas, variants)
    assert any(r["variantInternalId"] == f"GRCh37-{chrom}-{start1}-{end1}-EFO:0030069"
               for rs in variants["response"]["resultSets"] for r in rs["results"])


def test_a_bracket_query_finds_a_structural_variant_by_its_breakend_windows(client, node, schemas):
    sample, chrom, s, e = sql(node, "SELECT sample_id, start_chromosome, start_position, end_position FROM {sv} "
                                    "WHERE type = 'DUP' AND end_chromosome = start_chromosome ORDER BY sample_id, sv_id LIMIT 1")[0]
    vid = f"GRCh37-{chrom}-{s}-{e}-DUP"
    doc = ask(client, node, referenceName=chrom, start=f"{s - 1 - 50},{s - 1 + 50}", end=f"{e - 50},{e + 50}", variantType="DUP")
    validate(schemas, doc)
    assert vid in ids(doc, "variantInternalId")
    missed = ask(client, node, referenceName=chrom, start=f"{s + 100},{s + 200}", end=f"{e - 50},{e + 50}", variantType="DUP")
    assert vid not in ids(missed, "variantInternalId")
    carriers = ask(client, node, f"/beacon/g_variants/{vid}/biosamples")
    assert sample in ids(carriers)


def test_a_translocation_is_found_at_either_breakend(client, node, schemas):
    c1, p1, c2, p2 = sql(node, "SELECT start_chromosome, start_position, end_chromosome, end_position FROM {sv} "
                               "WHERE type = 'BND' AND end_chromosome <> start_chromosome ORDER BY sample_id, sv_id LIMIT 1")[0]
    vid = f"GRCh37-{c1}-{p1}-{p1}-BND-{c2}:{p2}"
    for chrom, pos in ((c1, p1), (c2, p2)):
        doc = ask(client, node, referenceName=chrom, start=pos - 10, end=pos + 10, variantType="BND")
        validate(schemas, doc)
        assert vid in ids(doc, "variantInternalId")


def test_a_fusion_is_found_by_its_gene_pair_and_by_either_partner(client, node, schemas):
    five, three, samples = sql(node, "SELECT five_prime_gene, three_prime_gene, list(DISTINCT sample_id) FROM {fu} "
                                     "WHERE coalesce(reported, true) GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1")[0]
    doc = ask(client, node, "/beacon/biosamples", geneId=f"{five}::{three}")
    assert ids(doc) == set(samples)
    assert ask(client, node, "/beacon/biosamples", geneId=f"{three}::{five}", granularity="count")["responseSummary"]["numTotalResults"] \
        == len(sql(node, "SELECT DISTINCT sample_id FROM {fu} WHERE five_prime_gene = ? AND three_prime_gene = ? "
                         "AND coalesce(reported, true)", [three, five]))
    variants = ask(client, node, geneId=three, variantType="SO:0001565")
    validate(schemas, variants)
    assert any(r["variantInternalId"].endswith(f"-{five}::{three}") for rs in variants["response"]["resultSets"]
               for r in rs["results"])


def test_copy_number_and_structural_answers_follow_the_requesters_granularity(client, node, schemas, amplified):
    gene, samples = amplified
    params = {"geneId": gene, "variantType": "EFO:0030072", "requestedGranularity": "record"}
    anonymous = client.get("/beacon/g_variants", params=params).json()
    assert anonymous["meta"]["returnedGranularity"] == "boolean" and anonymous["responseSummary"] == {"exists": True}
    validate(schemas, anonymous)
    login(client, make_person(node, "cnv-reader@example.org", mfa=False))
    registered = client.get("/beacon/biosamples", params=params).json()
    validate(schemas, registered, "biosample")
    n = registered["responseSummary"]["numTotalResults"]
    assert registered["meta"]["returnedGranularity"] == "count" and n >= len(samples) and (n == 5 or n % 10 == 0)


@pytest.mark.parametrize("params,message", [
    ({"variantType": "EFO:9999999"}, "variantType 'EFO:9999999'"),
    ({"variantType": "EFO:0030072", "referenceName": "17", "start": "10", "alternateBases": "A"}, "no bases"),
    ({"variantType": "DUP", "referenceName": "17", "start": "10,20", "end": "30"}, "bracket"),
])
def test_malformed_structural_queries_are_refused_with_the_reason(client, params, message):
    r = client.get("/beacon/g_variants", params=params)
    assert r.status_code == 400 and message in r.json()["error"]["errorMessage"], r.text


def test_a_del_query_answers_small_deletions_structural_deletions_and_copy_losses_together(client, node, schemas):
    where = {"referenceName": "17", "start": 0, "end": 81_195_210}

    def total(**params) -> int:
        return ask(client, node, granularity="count", **where, **params)["responseSummary"]["numTotalResults"]

    together = total(variantType="DEL")
    assert together == total(variantType="INDEL") + total(variantType="SO:0000159") + total(variantType="EFO:0030067") > 0
    doc = ask(client, node, **where, variantType="DEL")
    validate(schemas, doc)
    shapes = {r["variation"].get("variantType") or r["variation"].get("copy_change")
              for rs in doc["response"]["resultSets"] for r in rs["results"]}
    assert "DEL" in shapes and shapes & {"efo:0030068", "efo:0030069"} and shapes & {"INDEL"}


def test_a_withdrawn_patients_structural_variants_leave_the_beacon(tmp_path):
    from onconode.beacon import search
    from onconode.beacon.request import from_get
    from onconode.store import Store
    from onconode.store.withdraw import withdraw_patient
    from tests.conftest import frozen_synthetic_store

    home = frozen_synthetic_store(tmp_path / "node", patients=12, seed=3, median_variants=20, freeze="F1")
    q = from_get({"variantType": "CNV"})
    with Store.open(home, read_only=True) as store:
        found = search.matches(store.snapshot("F1"), "individuals", q).to_pyarrow().column("id").to_pylist()
    assert found
    with Store.open(home) as store:
        withdraw_patient(store, found[0], "test")
    with Store.open(home, read_only=True) as store:
        after = search.matches(store.snapshot("F1"), "individuals", q).to_pyarrow().column("id").to_pylist()
    assert found[0] not in after and set(after) == set(found) - {found[0]}


def test_small_variant_queries_over_an_amplified_gene_answer_small_variants_only(client, node, amplified):
    gene, _ = amplified
    chrom, start1, end1 = sql(node, "SELECT chromosome, start, \"end\" FROM {gcn} WHERE gene = ? LIMIT 1", [gene])[0]
    store = node.store
    small = store.relation_sql("somatic_variant", store.resolve("DR-TEST"))
    truth = store.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT position, ref, alt FROM ({small}) WHERE chromosome = ? "
                              "AND position - 1 < ? AND position - 1 + length(ref) > ?)", [chrom, end1, start1 - 1]).fetchone()[0]
    doc = ask(client, node, granularity="count", referenceName=chrom, start=start1 - 1, end=end1)
    assert doc["responseSummary"]["numTotalResults"] == truth
    genes = store.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT chromosome, position, ref, alt FROM ({small}) "
                              "WHERE gene = ?)", [gene]).fetchone()[0]
    assert ask(client, node, granularity="count", geneId=gene)["responseSummary"]["numTotalResults"] == genes
