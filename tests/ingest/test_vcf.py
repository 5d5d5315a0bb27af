"""Somatic VCF reader: real hmftools files, bulk path == careful path, and every bad input located."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconode.ingest.problems import IngestError, Problems
from onconode.ingest.vcf import ingest_vcf
from onconode.ingest.vcf.load import open_vcf, record_batches
from onconode.model.tables import SOMATIC_VARIANT

HEADER = """##fileformat=VCFv4.2
##purpleVersion=4.0
##contig=<ID=1,length=249250621>
##contig=<ID=2,length=243199373>
##contig=<ID=7,length=159138663>
##contig=<ID=17,length=81195210>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##INFO=<ID=IMPACT,Number=10,Type=String,Description="Variant Impact">
##INFO=<ID=PURPLE_AF,Number=A,Type=Float,Description="Purity adjusted VAF">
##INFO=<ID=PURPLE_CN,Number=1,Type=Float,Description="Copy number">
##INFO=<ID=TIER,Number=1,Type=String,Description="Tier">
##INFO=<ID=HOTSPOT,Number=0,Type=Flag,Description="Hotspot">
##INFO=<ID=BIALLELIC,Number=0,Type=Flag,Description="Biallelic">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1R\tS1T
"""
BRAF = "7\t140453136\t.\tA\tT\t900\tPASS\tHOTSPOT;IMPACT=BRAF,ENST00000288602,missense_variant,MISSENSE,false,c.1799T>A,p.Val600Glu,,MISSENSE,1;PURPLE_AF=0.6;PURPLE_CN=3.1;TIER=HOTSPOT\tGT:AD:DP\t0/0:30,0:30\t0/1:40,60:100\n"


def write_vcf(path: Path, body: str, header: str = HEADER, gz: bool = True) -> Path:
    text = header + body
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def read_rows(path: Path, engine: str, ref_genome: str | None = "GRCh37", tumor: str | None = None) -> pa.Table:
    problems = Problems()
    opened = open_vcf(path, tumor, ref_genome, problems)
    assert opened is not None, problems.items
    batches = list(record_batches(opened, "S1", problems, engine=engine))
    assert not problems.errors, [str(p) for p in problems.errors]
    table = pa.Table.from_batches(batches, schema=batches[0].schema) if batches else SOMATIC_VARIANT.arrow_schema.empty_table()
    return table.sort_by([("chromosome", "ascending"), ("position", "ascending"), ("alt", "ascending")])


def problems_of(path: Path, store, **kw) -> list[str]:
    with pytest.raises(IngestError) as info:
        ingest_vcf(store, path, sample_id=kw.get("sample_id", "S1"), tumor=kw.get("tumor"), ref_genome=kw.get("ref_genome", "GRCh37"))
    assert store.counts()["somatic_variant"] == 0
    return [str(p) for p in info.value.problems]


# -- real hmftools files --------------------------------------------------------------
def test_purple_somatic_vcf_loads_every_colo829_record_with_purple_annotations(hmftools_fixtures, store):
    path = hmftools_fixtures / "vcf" / "TUMOR_SAMPLE.purple.somatic.vcf.gz"
    report = ingest_vcf(store, path, sample_id=None, tumor=None, ref_genome=None)
    assert report.rows == {"somatic_variant": 9, "tumor_profile": 1}
    rows = store.table("somatic_variant").to_pyarrow().to_pylist()
    assert {r["sample_id"] for r in rows} == {"COLO829v003T"}  # tumour is the T column, not the reference
    egfr = next(r for r in rows if r["gene"] == "EGFR")
    assert egfr["hgvs_protein"] == "p.Thr790Met" and egfr["coding_effect"] == "MISSENSE"
    assert egfr["hotspot"] == "HOTSPOT" and egfr["tier"] == "HOTSPOT" and egfr["reported"] is True
    assert (egfr["allele_read_count"], egfr["total_read_count"]) == (61, 1169)
    assert egfr["adjusted_vaf"] == 0.0539 and egfr["copy_number"] == 65.86 and egfr["gnomad_frequency"] == 3e-05
    assert egfr["variant_classification"] == "Missense_Mutation" and egfr["default_filtered"] is False
    sftpb = next(r for r in rows if r["gene"] == "SFTPB")
    assert sftpb["type"] == "INDEL" and sftpb["biallelic"] is True and sftpb["default_filtered"] is True
    profile = store.table("tumor_profile").to_pyarrow().to_pylist()
    assert profile == [{**profile[0], "sample_id": "COLO829v003T", "ref_genome": "GRCh37"}]
    assert "PURPLE 4.0" in profile[0]["pipeline"]


@pytest.mark.parametrize("name", ["TUMOR_SAMPLE.purple.somatic.vcf.gz", "orange_test.purple.variants.vcf"])
def test_bulk_path_equals_careful_path_on_real_files(hmftools_fixtures, name):
    path = hmftools_fixtures / "vcf" / name
    assert read_rows(path, "bulk").equals(read_rows(path, "careful"))


def test_header_without_build_needs_ref_genome(hmftools_fixtures, store):
    path = hmftools_fixtures / "vcf" / "orange_test.purple.variants.vcf"
    assert any("--ref-genome" in p for p in problems_of(path, store, ref_genome=None))
    report = ingest_vcf(store, path, sample_id=None, tumor=None, ref_genome="hg19")
    assert report.samples == ["tumor_sample"] and report.rows["somatic_variant"] == 1


def test_duplicate_record_in_real_germline_file_is_reported_with_both_lines(hmftools_fixtures, store):
    path = hmftools_fixtures / "vcf" / "crest_test.purple.germline.vcf.gz"
    found = problems_of(path, store, tumor="tumor_sample")
    assert len(found) == 1 and ":18:" in found[0] and "first on line 17" in found[0]


# -- generated files: bulk == careful ---------------------------------------------------
def random_body(rng: random.Random, n: int) -> str:
    lines = []
    for i in range(n):
        ref = rng.choice(["A", "C", "G", "T", "AC", "GTT"])
        alt = rng.choice(["T", "G", "CA", "A,C", "TT"]) if rng.random() < 0.9 else "G,T"
        if alt == ref:
            alt = "N"
        info = [f"PURPLE_AF={rng.random():.4f}" if "," not in alt else "PURPLE_AF=0.1,0.2"]
        if rng.random() < 0.5:
            info.append("IMPACT=" + rng.choice([
                "TP53,ENST1,frameshift_variant,NONSENSE_OR_FRAMESHIFT,false,c.1del,p.X1fs,,NONSENSE_OR_FRAMESHIFT,1",
                "KRAS,ENST2,missense_variant&splice_region_variant,MISSENSE,true,c.35G>A,p.Gly12Asp,,MISSENSE,1",
                "APC,ENST3,3_prime_UTR_variant,NONE,false,c.*5A>G,,,NONE,1", ",,,NONE,false,,,,NONE,1",
                "G%3BX,ENST4,stop_gained,NONSENSE_OR_FRAMESHIFT,false,c.9C>T,p.Arg3*,,NONSENSE_OR_FRAMESHIFT,1"]))
        if rng.random() < 0.2:
            info.append("HOTSPOT")
        info.append("TIER=" + rng.choice(["PANEL", "HIGH_CONFIDENCE", "ODD"]))
        n_alt = alt.count(",") + 1
        ad = ",".join(str(rng.randint(0, 50)) for _ in range(n_alt + 1))
        chrom = rng.choice(["1", "17", "GL000220.1"])
        fmt, tumour = rng.choice([("GT:AD:DP", f"0/1:{ad}:{rng.randint(0, 120)}"), ("GT:DP:AD", f"0/1:.:{ad}"), ("GT", "0/1")])
        lines.append(f"{chrom}\t{1000 + i}\t.\t{ref}\t{alt}\t50\t{rng.choice(['PASS', 'PON', '.'])}\t{';'.join(info)}\t{fmt}\t0/0\t{tumour}\n")
    return "".join(lines)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_path_equals_careful_path_on_generated_files(tmp_path, seed):
    path = write_vcf(tmp_path / "g.vcf.gz", random_body(random.Random(seed), 400))
    bulk, slow = read_rows(path, "bulk"), read_rows(path, "careful")
    assert bulk.num_rows > 400  # multi-allelic records were split
    assert bulk.equals(slow)


def test_multiallelic_records_split_number_a_and_r_fields(tmp_path):
    body = "1\t100\t.\tG\tA,T\t50\tPASS\tPURPLE_AF=0.1,0.2;PURPLE_CN=2\tGT:AD:DP\t0/0:9,0,0:9\t1/2:5,3,2:10\n"
    rows = read_rows(write_vcf(tmp_path / "m.vcf.gz", body), "auto").to_pylist()
    assert [(r["alt"], r["adjusted_vaf"], r["allele_read_count"], r["total_read_count"], r["copy_number"]) for r in rows] == [
        ("A", 0.1, 3, 10, 2.0), ("T", 0.2, 2, 10, 2.0)]


def test_percent_encoded_info_is_decoded(tmp_path):
    body = "1\t100\t.\tG\tA\t50\tPASS\tIMPACT=G%3BX%2CY,ENST1,missense_variant,MISSENSE,false,c.1A>G,p.K1R,,MISSENSE,1\tGT\t0/0\t0/1\n"
    rows = read_rows(write_vcf(tmp_path / "p.vcf.gz", body), "auto").to_pylist()
    assert rows[0]["gene"] == "G;X,Y"


def test_file_larger_than_one_chunk_streams(tmp_path, monkeypatch):
    import onconode.ingest.vcf.body as body_mod

    monkeypatch.setattr(body_mod, "CHUNK_BYTES", 4096)
    path = write_vcf(tmp_path / "big.vcf.gz", "".join(BRAF.replace("140453136", str(1000 + i)) for i in range(2000)))
    problems = Problems()
    opened = open_vcf(path, None, None, problems)
    sizes = [b.num_rows for b in record_batches(opened, "S1", problems)]
    assert sum(sizes) == 2000 and max(sizes) < 2000 and not problems.items


# -- bad input ------------------------------------------------------------------------
def test_every_bad_line_is_reported_with_line_and_column_and_nothing_loads(tmp_path, store):
    body = (
        BRAF
        + "7\tabc\t.\tA\tT\t1\tPASS\t.\tGT:AD\t0/0:1,0\t0/1:1,1\n"  # line 18: POS
        + "7\t100\t.\tA\tX\t1\tPASS\t.\tGT:AD\t0/0:1,0\t0/1:1,1\n"  # 19: ALT
        + "chr99\t100\t.\tA\tT\t1\tPASS\t.\tGT:AD\t0/0:1,0\t0/1:1,1\n"  # 20: contig
        + "7\t999999999\t.\tA\tT\t1\tPASS\t.\tGT:AD\t0/0:1,0\t0/1:1,1\n"  # 21: beyond chromosome
        + "7\t100\t.\tA\tT\n"  # 22: column count
        + "7\t101\t.\tA\tT\t1\tPASS\tPURPLE_AF=high\tGT:AD\t0/0:1,0\t0/1:1,1\n"  # 23: INFO number
        + BRAF  # 24: duplicate of 17
    )
    found = problems_of(write_vcf(tmp_path / "bad.vcf.gz", body), store)
    where = [f.split(": error")[0].split("bad.vcf.gz:")[1] for f in found]
    assert where == ["18: column POS", "19: column ALT", "20: column CHROM", "21: column POS", "22", "23: column INFO/PURPLE_AF", "24"]


def test_truncated_gzip_is_reported(tmp_path, store):
    path = write_vcf(tmp_path / "t.vcf.gz", "".join(BRAF.replace("140453136", str(1000 + i)) for i in range(3000)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert any("ends early" in p for p in problems_of(path, store))


def test_missing_tumour_column_and_build_mismatch_are_refused(tmp_path, store):
    path = write_vcf(tmp_path / "x.vcf.gz", BRAF)
    assert any("no sample column named 'NOPE'" in p for p in problems_of(path, store, tumor="NOPE"))
    assert any("--ref-genome says GRCh38 but the header is on GRCh37" in p for p in problems_of(path, store, ref_genome="GRCh38"))


def test_sample_already_on_another_build_is_refused(tmp_path, store):
    path = write_vcf(tmp_path / "x.vcf.gz", BRAF)
    ingest_vcf(store, path, sample_id="S1", tumor=None, ref_genome=None)
    other = HEADER.replace("249250621", "248956422").replace("243199373", "242193529").replace("159138663", "159345973").replace("81195210", "83257441")
    path38 = write_vcf(tmp_path / "y.vcf.gz", BRAF, header=other)
    with pytest.raises(IngestError, match="already in the store on GRCh37"):
        ingest_vcf(store, path38, sample_id="S1", tumor=None, ref_genome=None)


def test_several_samples_without_a_tumour_hint_ask_for_tumor(tmp_path, store):
    path = write_vcf(tmp_path / "n.vcf.gz", BRAF, header=HEADER.replace("##purpleVersion=4.0\n", ""))
    assert any("pass --tumor" in p for p in problems_of(path, store))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="ACGTN17.,;=%\t:XPURPLE_AF0123456789-chr", max_size=80), max_size=6))
def test_fuzzed_bodies_only_ever_raise_ingest_error(tmp_path, lines):
    path = write_vcf(tmp_path / "f.vcf.gz", "".join(line + "\n" for line in lines))
    for engine in ("bulk", "careful"):
        problems = Problems()
        opened = open_vcf(path, None, "GRCh37", problems)
        list(record_batches(opened, "S1", problems, engine=engine))


def test_bulk_path_converts_plain_records_itself_and_hands_over_only_hard_ones(tmp_path):
    from onconode.ingest.vcf import bulk

    multi = "1\t100\t.\tG\tA,T\t50\tPASS\tPURPLE_AF=0.1,0.2\tGT:AD:DP\t0/0:9,0,0:9\t1/2:5,3,2:10\n"
    path = write_vcf(tmp_path / "b.vcf.gz", BRAF + multi)
    problems = Problems()
    opened = open_vcf(path, None, None, problems)
    result = bulk.convert_chunk((BRAF + multi).encode(), opened.header, opened.tumor, "S1", opened.ref_genome)
    assert result.table.num_rows == 1 and result.hard == [1]
    assert result.table.column("hgvs_protein").to_pylist() == ["p.Val600Glu"]
