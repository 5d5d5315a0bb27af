"""A multi-allelic VCF record gives each ALT its own values: a Number=A INFO field holds one
value per ALT, a Number=R FORMAT field (AD) one per allele with the reference first, and the
genotype is the sample's zygosity for that ALT. Both VCF readers of hmftools output (PURPLE's
germline VCF and the somatic SAGE/PAVE/PURPLE VCF) are checked on the same record.

The header lines are those of the real files: the FORMAT lines of SAGE's VariantVCF.java
as in the crest_test.purple.germline.vcf.gz fixture (AD Number=R), PURPLE's INFO lines of
C/variant/PurpleVcfTags.java (Number=1) and a Number=A frequency as htsjdk writes one
(VCFHeaderLineCount.A) for a tool that annotates each ALT of a record.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from test_wigits_tools import purity_file, rows

pytestmark = pytest.mark.usefixtures("store")

HEADER = [
    "##fileformat=VCFv4.2",
    "##FILTER=<ID=PASS,Description=\"All filters passed\">",
    "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths for the ref and alt alleles in the order listed\">",
    "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Approximate read depth (reads with MQ=255 or with bad mates are filtered)\">",
    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">",
    "##INFO=<ID=PURPLE_CN,Number=1,Type=Float,Description=\"Purity adjusted copy number surrounding variant location\">",
    "##INFO=<ID=PURPLE_AF,Number=A,Type=Float,Description=\"Purity adjusted variant allelic frequency\">",
    "##INFO=<ID=GND_FREQ,Number=A,Type=Float,Description=\"Gnomad variant frequency\">",
    "##contig=<ID=17,length=81195210>",
]
# one record, two ALTs: the normal is C/T heterozygous (GT 1/2), the tumour carries both
RECORD = ("17\t7579472\t.\tG\tC,T\t500\tPASS\tPURPLE_CN=2.0;PURPLE_AF=0.30,0.45;GND_FREQ=0.001,0.02\tGT:AD:DP"
          "\t{normal}\t{tumour}")


def _vcf(path: Path, samples: tuple[str, str], normal: str, tumour: str) -> Path:
    text = "\n".join([*HEADER, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples),
                      RECORD.format(normal=normal, tumour=tumour), ""])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_germline_vcf_gives_the_second_alt_its_own_number_a_values_read_counts_and_genotype(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    _vcf(folder / "T1.purple.germline.vcf.gz", ("N1R", "T1"), "1/2:2,14,16:32", "./.:3,20,40:63")
    ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = {r["alt"]: (r["adjusted_vaf"], r["gnomad_frequency"], r["copy_number"], r["germline_allele_read_count"],
                      r["tumor_allele_read_count"], r["genotype"]) for r in rows(store, "germline_variant")}
    assert got == {"C": (0.30, 0.001, 2.0, 14, 20, "HET"), "T": (0.45, 0.02, 2.0, 16, 40, "HET")}


def test_germline_vcf_homozygous_for_the_second_alt_is_hom_alt_for_it_and_hom_ref_for_the_first(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    _vcf(folder / "T1.purple.germline.vcf.gz", ("N1R", "T1"), "2/2:0,1,30:31", "./.:3,2,40:45")
    ingest_hmftools(store, folder, ref_genome="GRCh37")
    assert {r["alt"]: r["genotype"] for r in rows(store, "germline_variant")} == {"C": "HOM_REF", "T": "HOM_ALT"}


def test_somatic_vcf_gives_the_second_alt_its_own_number_a_values_and_read_counts(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    _vcf(folder / "T1.purple.somatic.vcf.gz", ("N1R", "T1"), "0/0:30,0,0:30", "0/1/2:40,20,40:100")
    ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = {r["alt"]: (r["adjusted_vaf"], r["gnomad_frequency"], r["allele_read_count"], r["total_read_count"])
           for r in rows(store, "somatic_variant")}
    assert got == {"C": (0.30, 0.001, 20, 100), "T": (0.45, 0.02, 40, 100)}
