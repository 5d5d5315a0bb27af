"""Compressed input cut short (first block, a later block, only the end marker): a clear error, never a
traceback, never a silent partial load, and the store's previous version untouched."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from onconode.ingest.maf import ingest_maf
from onconode.ingest.problems import IngestError
from onconode.ingest.vcf import ingest_vcf
from test_maf import BRAF, COLUMNS
from test_vcf import HEADER

from tests.conftest import BGZF_EOF, bgzf_bytes

RECORDS = 20_000  # several 64 KB BGZF blocks
BODY = "".join(f"1\t{1000 + 7 * i}\t.\tA\tT\t900\tPASS\tPURPLE_AF=0.6\tGT:AD:DP\t0/0:30,0:30\t0/1:40,60:100\n" for i in range(RECORDS))
CSQ_HEADER = HEADER.replace("##INFO=<ID=IMPACT,Number=10,Type=String,Description=\"Variant Impact\">",
                            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence. Format: Allele|Consequence|SYMBOL">')


@pytest.fixture(scope="module")
def whole_bgzf(tmp_path_factory) -> bytes:
    return bgzf_bytes((HEADER + BODY).encode())


def refused(store, path: Path) -> str:
    ingest_vcf(store, _good(path.parent), sample_id="KEEP", tumor=None, ref_genome="GRCh37")
    before = (store.current_version, store.counts()["somatic_variant"])
    with pytest.raises(IngestError) as caught:
        ingest_vcf(store, path, sample_id="S1", tumor=None, ref_genome="GRCh37")
    assert (store.current_version, store.counts()["somatic_variant"]) == before
    return str(caught.value)


def _good(folder: Path) -> Path:
    path = folder / "good.vcf.gz"
    path.write_bytes(bgzf_bytes((HEADER + BODY[:200]).encode()))
    return path


@pytest.mark.parametrize("cut", [60, 400, 1_000, 5_000, 40_000, -5_000, -28, -1], ids=lambda c: f"cut{c}")
def test_a_bgzf_vcf_cut_anywhere_is_refused_as_truncated(store, tmp_path, whole_bgzf, cut):
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(whole_bgzf[:cut])
    text = refused(store, path)
    assert "truncated BGZF/gzip data" in text and "copy it again" in text and "cut.vcf.gz" in text


def test_a_bgzf_vcf_missing_only_its_end_block_is_not_loaded_short(store, tmp_path, whole_bgzf):
    # Cut at a block boundary: every block inflates cleanly, so only the missing end block tells.
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(whole_bgzf[:-len(BGZF_EOF)])
    assert "does not end with BGZF's end-of-file block" in refused(store, path)


@pytest.mark.parametrize("header", [HEADER, CSQ_HEADER], ids=["bulk path", "careful path"])
@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.5, 0.95])
def test_a_plain_gzip_vcf_cut_anywhere_is_refused_as_truncated(store, tmp_path, header, fraction):
    whole = gzip.compress((header + BODY).encode())
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(whole[:int(len(whole) * fraction)])
    text = refused(store, path)
    assert "truncated" in text and "copy it again" in text.lower() or "interrupted download" in text


def test_a_plain_gzip_vcf_cut_in_the_body_names_the_first_line_it_could_not_read(store, tmp_path):
    whole = gzip.compress((HEADER + BODY).encode())
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(IngestError) as caught:
        ingest_vcf(store, path, sample_id="S1", tumor=None, ref_genome="GRCh37")
    (problem,) = caught.value.problems
    assert problem.line is not None and problem.line > HEADER.count("\n")


def test_a_bgzf_maf_missing_its_end_is_refused(store, tmp_path):
    text = "\t".join(COLUMNS) + "\n" + "\t".join(BRAF) + "\n"
    path = tmp_path / "m.maf.gz"
    path.write_bytes(bgzf_bytes(text.encode())[:-len(BGZF_EOF)])
    with pytest.raises(IngestError, match="truncated BGZF/gzip data"):
        ingest_maf(store, path, ref_genome=None)
    assert store.current_version == 0
