"""The gene reference: complete protein-coding set, coordinates on both builds, cytobands."""

from __future__ import annotations

import csv
from pathlib import Path

from onconode.ingest.genes import Gene, gene, genes, is_known_gene


def test_reference_holds_the_complete_protein_coding_gene_set():
    all_genes = list(genes())
    assert 19_000 < len(all_genes) < 23_000
    both = [g for g in all_genes if g.start_37 is not None and g.start_38 is not None]
    assert len(both) > 0.9 * len(all_genes)


def test_known_cancer_genes_have_their_ensembl_coordinates_on_both_builds():
    braf = gene("BRAF")
    assert braf is not None and braf.ensembl_gene_id == "ENSG00000157764"
    assert braf.region("GRCh37") == ("7", 140419127, 140624564)
    assert braf.region("GRCh38") == ("7", 140719327, 140924928)
    assert braf.band("GRCh37") == "q34" and braf.strand == "-"
    kras = gene("KRAS")
    assert kras is not None and kras.region("GRCh38") == ("12", 25204789, 25250936)


def test_lookup_ignores_case_and_surrounding_spaces():
    assert gene(" tp53 ") == gene("TP53")
    assert is_known_gene("Egfr")


def test_unknown_symbols_and_non_coding_genes_are_not_known():
    assert not is_known_gene("NOTAGENE1")
    assert not is_known_gene("")
    assert gene("DDX11L1") is None  # a pseudogene, not protein coding


def test_a_renamed_gene_is_found_by_its_older_grch37_name():
    renamed = next(g for g in genes() if g.alias and gene(g.alias) is g)
    assert isinstance(renamed, Gene)
    assert gene(renamed.alias).symbol == renamed.symbol


def test_every_gene_lies_within_its_chromosome_with_start_before_end():
    for g in genes():
        for build in ("GRCh37", "GRCh38"):
            region = g.region(build)
            if region is not None:
                chrom, start, end = region
                assert chrom and 1 <= start <= end, (g, build)


def test_cytobands_agree_with_the_purple_driver_catalogue(hmftools_fixtures: Path):
    path = hmftools_fixtures / "purple" / "tumor_sample.purple.driver.catalog.somatic.tsv"
    with path.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            g = gene(row["gene"])
            assert g is not None, row["gene"]
            assert g.chromosome == row["chromosome"]
            assert g.band("GRCh37") == row["chromosomeBand"], row["gene"]


def test_genes_of_the_purple_gene_copy_number_file_are_mostly_known(hmftools_fixtures: Path):
    path = hmftools_fixtures / "purple" / "tumor_sample.purple.cnv.gene.LEGACY_v3.EXCERPT.tsv"
    with path.open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    # PURPLE lists all Ensembl genes (non-coding too); the protein-coding ones must be known
    # and lie on the same chromosome and cytoband (ranges
    # written as PURPLE does, e.g. p36.32-p36.33).
    known = [r for r in rows if is_known_gene(r["gene"])]
    assert len(known) > 0.6 * len(rows)
    for r in known:
        g = gene(r["gene"])
        assert g.chromosome_37 == r["chromosome"]
        assert g.band("GRCh37") == r["chromosomeBand"], r["gene"]
