"""Every small variant a Beacon returns carries its GA4GH VRS 2.0 identifier (or says why
it has none), and the answer still validates against the Beacon v2 schemas."""

from __future__ import annotations

from onconode.model import vrs
from tests.beacon.helpers import bearer, visa
from tests.beacon.test_variant_queries import DATASET, sql, tp53  # noqa: F401  (fixture)
from tests.test_vrs import spec_allele_id


def records(client, node, **params) -> tuple[dict, list[dict]]:
    r = client.get("/beacon/g_variants", params={"requestedGranularity": "record", "limit": 100, **params},
                   headers=bearer(visa(node, DATASET)))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["meta"]["returnedGranularity"] == "record"
    return doc, [rec for rs in doc["response"]["resultSets"] for rec in rs["results"]]


def vrs_ids(rec: dict) -> list[dict]:
    return [x for x in rec["identifiers"]["variantAlternativeIds"] if "vrs.ga4gh.org" in x.get("reference", "")]


def test_a_returned_snv_carries_its_vrs_identifier_computed_from_the_grch37_digest(client, node, schemas, tp53):
    chrom, pos, ref, alt, *_ = tp53
    doc, recs = records(client, node, referenceName=chrom, start=pos - 1, alternateBases=alt)
    assert schemas.errors("record", doc) == []
    [rec] = recs
    assert schemas.record_errors("genomicVariant", rec) == []
    digest = vrs.contig("GRCh37", chrom).refget_accession
    assert [x["id"] for x in vrs_ids(rec)] == [spec_allele_id(digest, pos - 1, pos, alt)]


def test_a_returned_indel_says_why_it_has_no_vrs_identifier(client, node, schemas):
    [(chrom, pos, ref, alt)] = sql(node, "SELECT chromosome, position, ref, alt FROM ({v}) WHERE length(ref) <> length(alt) "
                                         "ORDER BY chromosome, position LIMIT 1", [])
    doc, recs = records(client, node, referenceName=chrom, start=pos - 1, alternateBases=alt)
    assert schemas.errors("record", doc) == []
    [rec] = [r for r in recs if r["variation"]["referenceBases"] == ref]
    assert schemas.record_errors("genomicVariant", rec) == []
    [entry] = vrs_ids(rec)
    assert "id" not in entry and vrs.INDEL_NEEDS_REFERENCE in entry["notes"]


def test_a_network_merge_tells_which_members_hold_the_same_variant_by_its_vrs_identifier(client, node, schemas, tp53):
    from onconode.beacon import network

    chrom, pos, ref, alt, *_ = tp53
    doc, recs = records(client, node, referenceName=chrom, start=pos - 1, alternateBases=alt)
    # The same answer from two members that name the variant differently internally.
    renamed = {**doc, "meta": {**doc["meta"], "beaconId": "org.example.other"},
               "response": {"resultSets": [{**rs, "results": [{**r, "variantInternalId": "their-own-id"} for r in rs["results"]]}
                                           for rs in doc["response"]["resultSets"]]}}
    answers = [network.MemberAnswer("http://a/beacon", "ok", 0.1, 200, doc),
               network.MemberAnswer("http://b/beacon", "ok", 0.1, 200, renamed)]
    merged = network.merge(answers, "g_variants", requested="record")
    assert schemas.errors("record", merged) == []
    [vid] = [x["id"] for x in vrs_ids(recs[0])]
    assert merged["info"]["vrsAlleles"] == {vid: sorted([doc["meta"]["beaconId"], "org.example.other"])}


def test_every_stored_small_variant_has_its_vrs_identifier_or_the_reason_in_the_derived_table(node):
    import pyarrow.parquet as pq

    from onconode.beacon import vrs_alleles
    from onconode.store import derived

    store = node.store
    version = store.resolve("DR-TEST")
    table = pq.read_table(vrs_alleles.table_path(store, version)).to_pylist()
    [(distinct,)] = sql(node, "SELECT count(*) FROM (SELECT DISTINCT chromosome, position, ref, alt FROM ({v}))", [])
    assert len(table) == distinct  # one build per sample here (GRCh37), so one row per distinct variant
    for row in table:
        got = vrs.allele_id(row["ref_genome"], row["chromosome"], row["position"], row["ref"], row["alt"])
        assert (row["vrs_id"], row["vrs_note"]) == (got.id, got.reason)
    snvs = [r for r in table if len(r["ref"]) == len(r["alt"]) == 1]
    assert snvs and all(r["vrs_id"] for r in snvs)
    assert {r["vrs_note"] for r in table if r["vrs_id"] is None} <= {vrs.INDEL_NEEDS_REFERENCE, vrs.DIGEST_UNKNOWN}
    assert derived.find(store, vrs_alleles.NAME, version) is not None  # kept under the registry's key


def test_the_cli_computes_a_freezes_vrs_identifiers_and_says_how_many_have_none(web_home, node):
    import os
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "onconode", "--home", str(web_home), "beacon", "vrs", "--freeze", "DR-TEST"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "identified" in r.stdout and "VOCA" in r.stdout and "alleles.parquet" in r.stdout
