"""GA4GH VRS 2.0 identifiers of small variants (onconode.model.vrs), checked against the
identifiers vrs-python and the VRS specification publish, and against the spec's digest
recipe written out independently here (RFC 8785 JSON, sha512t24u)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket

import pytest

from onconode.ingest import genome
from onconode.model import vrs


def sha512t24u(blob: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha512(blob).digest()[:24]).decode()


def canonical(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def spec_allele_id(refget: str, start: int, end: int, alt: str) -> str:
    """The VRS 2.0 recipe by hand: the location's digest, then the allele's over it."""
    loc = sha512t24u(canonical({"end": end, "sequenceReference": {"refgetAccession": refget, "type": "SequenceReference"},
                                "start": start, "type": "SequenceLocation"}))
    return "ga4gh:VA." + sha512t24u(canonical({"location": loc, "state": {"sequence": alt, "type": "LiteralSequenceExpression"},
                                               "type": "Allele"}))


# Published identifiers, all GRCh38: vrs-python tests/extras/test_allele_translator.py
# (hgvs_tests, NC_000007.14:g.55181320A>T), the VRS specification's rs7412 example
# (NC_000019.10:g.44908822C>T), and the VCF annotator's expected output in vrs-python
# tests/extras/data/test_vcf_expected_output.vcf (VRS 2.0.1; the ALT allele's id).
PUBLISHED = [
    (("GRCh38", "7", 55181320, "A", "T"), "ga4gh:VA.Hy2XU_-rp4IMh6I_1NXNecBo8Qx8n0oE"),
    (("GRCh38", "chr19", 44908822, "C", "T"), "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt"),
    (("GRCh38", "chr19", 82664, "C", "T"), "ga4gh:VA.b9AIUegs1SOYO7nKY8l01yllkyUns-u4"),
    (("GRCh38", "chr19", 28946400, "T", "C"), "ga4gh:VA.uV5O4M9zpiwk6sftOd-EDvtw_pkSAvdf"),
    (("GRCh38", "chr19", 54220024, "G", "A"), "ga4gh:VA.I7J3i1B36BACEUINcTwEh7uMv3I-PXT1"),
    (("GRCh38", "chr19", 54221654, "T", "A"), "ga4gh:VA.Zzlc24htmBV1HZZzWYgPD2_GfMInkrZu"),
]


@pytest.mark.parametrize("variant,expected", PUBLISHED)
def test_snv_identifier_equals_the_published_vrs_python_identifier(variant, expected):
    assert vrs.allele_id(*variant) == vrs.Outcome(expected)


def test_snv_identifier_equals_the_spec_recipe_computed_by_hand():
    c = vrs.contig("GRCh38", "7")
    assert vrs.allele_id("GRCh38", "7", 55181320, "A", "T").id == spec_allele_id(c.refget_accession, 55181319, 55181320, "T")


def test_mnv_is_trimmed_to_its_changed_bases_and_identified_exactly():
    # VCF 17:7577120 ACG>ATT: the shared leading A is dropped, CG>TT at interbase [7577120, 7577122).
    c = vrs.contig("GRCh37", "17")
    got = vrs.allele_id("GRCh37", "17", 7577120, "ACG", "ATT")
    assert got.id == spec_allele_id(c.refget_accession, 7577120, 7577122, "TT")


def test_delins_with_both_alleles_left_after_trimming_is_identified():
    c = vrs.contig("GRCh37", "7")
    got = vrs.allele_id("GRCh37", "7", 140453134, "TACA", "TGGTTA")  # prefix T and suffix A trimmed: AC>GGTT
    assert got.id == spec_allele_id(c.refget_accession, 140453134, 140453136, "GGTT")


@pytest.mark.parametrize("ref,alt", [("A", "AGGCT"), ("AC", "A"), ("CAG", "C")])
def test_insertion_or_deletion_is_reported_not_guessed(ref, alt):
    # vrs-python gives NC_000007.14:g.55181230_55181231insGGCT the id ga4gh:VA.CLOvnFRJXGNRB9aTuNbvsLqc7syRYb55
    # only after rolling across the reference; without reference sequence we must not mint one.
    assert vrs.allele_id("GRCh38", "7", 55181230, ref, alt) == vrs.Outcome(None, vrs.INDEL_NEEDS_REFERENCE)


def test_same_coordinates_on_the_two_builds_give_different_identifiers():
    a = vrs.allele_id("GRCh37", "7", 55181320, "A", "T").id
    b = vrs.allele_id("GRCh38", "7", 55181320, "A", "T").id
    assert a and b and a != b


def test_contig_names_chr_prefix_and_mitochondrion_aliases_agree():
    assert vrs.allele_id("GRCh37", "chrM", 100, "A", "G") == vrs.allele_id("hg19", "MT", 100, "A", "G")
    assert vrs.allele_id("GRCh38", "chrX", 100, "A", "G") == vrs.allele_id("GRCh38", "X", 100, "A", "G")


@pytest.mark.parametrize("assembly,chrom,pos,ref,alt,reason", [
    ("GRCh37", "GL000192.1", 10, "A", "C", vrs.DIGEST_UNKNOWN),
    ("GRCh38", "chr1_KI270706v1_random", 10, "A", "C", vrs.DIGEST_UNKNOWN),
    ("GRCh37", "MT", 16570, "A", "C", vrs.OUTSIDE_CONTIG),
    ("GRCh37", "7", 100, "A", "<DEL>", vrs.NOT_A_SEQUENCE),
    ("GRCh37", "7", 100, "A", "*", vrs.NOT_A_SEQUENCE),
    ("GRCh37", "7", 100, "AC", "AC", vrs.NO_CHANGE),
    ("CHM13", "7", 100, "A", "C", vrs.UNKNOWN_ASSEMBLY),
])
def test_variants_without_an_identifier_say_why(assembly, chrom, pos, ref, alt, reason):
    assert vrs.allele_id(assembly, chrom, pos, ref, alt) == vrs.Outcome(None, reason)


def test_identifiers_are_computed_without_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network used")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert vrs.allele_id("GRCh38", "19", 44908822, "C", "T").id == "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt"


def test_contig_table_covers_both_builds_with_their_lengths():
    table = vrs.contigs()
    for build, lengths in genome.LENGTHS.items():
        assert {name: table[(build, name)].length for name in lengths} == lengths


def test_contig_table_has_the_well_known_grch38_digests_and_valid_accessions():
    assert vrs.contig("GRCh38", "7").refget_accession == "SQ.F-LrLMe1SRpfUZHkQmvkVKFEGaoDeHul"
    assert vrs.contig("GRCh38", "19").refget_accession == "SQ.IIB53T8CNeJJdUqzn9V_JnRtQadwWCbl"
    digests = [c.refget_accession for c in vrs.contigs().values()]
    assert all(re.fullmatch(r"SQ\.[A-Za-z0-9_-]{32}", d) for d in digests)
    # one digest per distinct sequence: only MT (rCRS) is shared by the two builds
    assert len(set(digests)) == len(digests) - 1


def test_every_shipped_digest_has_at_least_two_independent_sources():
    assert all(len(c.sources) >= 2 for c in vrs.contigs().values())
