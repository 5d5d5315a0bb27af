"""Contig names: every reader stores one spelling ('7', 'X', 'MT') whatever the file wrote ('chr7', 'chrM'),
so a query or a Beacon request for chromosome 7 finds every sample; an unknown contig is a located problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onconode.beacon.search import chromosome as beacon_chromosome
from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.maf import ingest_maf
from onconode.ingest.problems import IngestError
from onconode.ingest.vcf import ingest_vcf
from test_cbioportal_validation import broken_study, edit
from test_hmftools_support import read_text, replace_with_text, sample_folder
from test_maf import BRAF, COLUMNS, write_maf
from test_vcf import BRAF as VCF_BRAF
from test_vcf import HEADER, read_rows, write_vcf

CHR_HEADER = re.sub(r"##contig=<ID=(\d+),", r"##contig=<ID=chr\1,", HEADER)
MT = "chrM\t7028\t.\tC\tT\t900\tPASS\tPURPLE_AF=0.6\tGT:AD:DP\t0/0:30,0:30\t0/1:40,60:100\n"
X = "chrX\t1000\t.\tG\tA\t900\tPASS\tPURPLE_AF=0.6\tGT:AD:DP\t0/0:30,0:30\t0/1:40,60:100\n"


def stored(store, table: str, column: str = "chromosome") -> set[str]:
    return {r[0] for r in store.con.execute(f"SELECT {column} FROM {table}").fetchall()}


@pytest.mark.parametrize("engine", ["bulk", "careful"])
def test_vcf_chr_prefixed_contigs_are_stored_unprefixed_on_both_paths(tmp_path, engine):
    path = write_vcf(tmp_path / "chr.vcf.gz", "chr" + VCF_BRAF + MT + X, header=CHR_HEADER)
    rows = read_rows(path, engine)
    assert sorted(rows.column("chromosome").to_pylist()) == ["7", "MT", "X"]


def test_vcf_ingest_stores_chr7_as_the_7_the_beacon_asks_for(store, tmp_path):
    ingest_vcf(store, write_vcf(tmp_path / "a.vcf.gz", "chr" + VCF_BRAF, header=CHR_HEADER), sample_id="S1", tumor=None, ref_genome="GRCh37")
    ingest_vcf(store, write_vcf(tmp_path / "b.vcf.gz", VCF_BRAF), sample_id="S2", tumor=None, ref_genome="GRCh37")
    assert stored(store, "somatic_variant") == {"7"} == {beacon_chromosome("chr7"), beacon_chromosome("7")}


def test_one_variant_written_both_ways_in_one_vcf_is_a_duplicate(store, tmp_path):
    path = write_vcf(tmp_path / "mixed.vcf.gz", VCF_BRAF + "chr" + VCF_BRAF)
    with pytest.raises(IngestError, match=r"duplicate record 7:140453136 A>T \(first on line 17\)"):
        ingest_vcf(store, path, sample_id="S1", tumor=None, ref_genome="GRCh37")


def test_vcf_unknown_contig_is_reported_at_its_line(store, tmp_path):
    path = write_vcf(tmp_path / "u.vcf.gz", VCF_BRAF.replace("7\t", "chr99\t", 1))
    with pytest.raises(IngestError) as caught:
        ingest_vcf(store, path, sample_id="S1", tumor=None, ref_genome="GRCh37")
    p = caught.value.problems[0]
    assert (p.line, p.column) == (17, "CHROM") and "contig 'chr99' is not a chromosome of GRCh37" in p.message


def test_maf_chr_prefixed_contigs_are_stored_unprefixed(store, tmp_path):
    row = list(BRAF)
    row[COLUMNS.index("Chromosome")] = "chr7"
    ingest_maf(store, write_maf(tmp_path / "m.maf", [row]), ref_genome=None)
    assert stored(store, "somatic_variant") == {"7"}


def test_cbioportal_mutations_and_svs_with_chr_prefixes_are_stored_unprefixed(store, tmp_path):
    def prefix(study: Path) -> None:
        edit("data_sv.txt", "EML4\t27436\t2\t42492091\tALK\t238\t2\t", "EML4\t27436\tchr2\t42492091\tALK\t238\tchr2\t")(study)
        edit("data_mutations.txt", "GRCh37\t7\t55259515", "GRCh37\tchr7\t55259515")(study)

    ingest_cbioportal(store, broken_study(tmp_path, prefix))
    assert "chr2" not in stored(store, "structural_variant", "start_chromosome") | stored(store, "structural_variant", "end_chromosome")
    assert not any(c.startswith("chr") for c in stored(store, "somatic_variant"))


def test_cbioportal_sv_unknown_contig_is_reported_at_its_chromosome_column(store, tmp_path):
    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, broken_study(tmp_path, edit("data_sv.txt", "EML4\t27436\t2\t", "EML4\t27436\tchr2b\t")))
    p = next(p for p in caught.value.problems if p.file.endswith("data_sv.txt"))
    assert (p.line, p.column) == (2, "Site1_Chromosome") and "not a chromosome" in p.message


def test_hmftools_chr_prefixed_tsv_and_sv_vcf_are_stored_unprefixed(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "S", without={"purple_somatic_vcf"})
    cnv = read_text(next(folder.glob("*.purple.cnv.somatic.tsv")))
    replace_with_text(folder, "purple_cnv_somatic", re.sub(r"(?m)^(\d+|X|Y)\t", r"chr\1\t", cnv))
    svs = read_text(next(folder.glob("*.linx.svs.tsv")))
    replace_with_text(folder, "linx_svs", re.sub(r"\t(\d+|X|Y):(\d+):", r"\tchr\1:\2:", svs))
    sv_vcf = read_text(next(folder.glob("*.purple.sv.vcf.gz")))
    sv_vcf = re.sub(r"(?m)^(\d+|X|Y)\t", r"chr\1\t", sv_vcf)
    sv_vcf = re.sub(r"([\[\]])(\d+|X|Y):", r"\1chr\2:", sv_vcf)
    sv_vcf = re.sub(r"##contig=<ID=(\d+|X|Y|MT),", r"##contig=<ID=chr\1,", sv_vcf)
    replace_with_text(folder, "purple_sv_vcf", sv_vcf, gz=True)
    ingest_hmftools(store, folder, sample_id="S1T")
    names = (stored(store, "copy_number_segment") | stored(store, "structural_variant", "start_chromosome")
             | stored(store, "structural_variant", "end_chromosome") | stored(store, "gene_copy_number"))
    assert names and not any(n and n.startswith("chr") for n in names), sorted(n for n in names if n)
