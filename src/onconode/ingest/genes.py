"""The protein-coding gene reference: symbols and where each gene lies on GRCh37 and GRCh38.

Readers use it to tell a real gene symbol from a typo or a column shift, the synthetic
cohort uses it to place variants inside genes, and queries use it to turn a symbol into a
region on the sample's own reference genome. It is the Ensembl protein-coding gene set
(about 20,700 genes) with cytobands; provenance and licences are in data/GENES_SOURCE.md.

A symbol is the current (GRCh38 annotation) name; the older GRCh37 name of a renamed gene
is accepted as an alias. Coordinates are 1-based and inclusive, spanning all protein-coding
transcripts of the gene.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

GENES_FILE = "genes.tsv.gz"


@dataclass(frozen=True)
class Gene:
    symbol: str
    ensembl_gene_id: str
    chromosome: str
    strand: str
    chromosome_37: str
    start_37: int | None
    end_37: int | None
    band_37: str
    chromosome_38: str
    start_38: int | None
    end_38: int | None
    band_38: str
    alias: str = ""

    def region(self, ref_genome: str) -> tuple[str, int, int] | None:
        """(chromosome, start, end) on GRCh37 or GRCh38, or None if the gene is not on that build."""
        if ref_genome == "GRCh37":
            return (self.chromosome_37, self.start_37, self.end_37) if self.start_37 is not None else None
        if ref_genome == "GRCh38":
            return (self.chromosome_38, self.start_38, self.end_38) if self.start_38 is not None else None
        raise ValueError(f"unknown reference genome {ref_genome!r}; use GRCh37 or GRCh38")

    def band(self, ref_genome: str) -> str:
        """Cytoband on the given build, e.g. q34 (empty if the gene is not on that build)."""
        return self.band_37 if ref_genome == "GRCh37" else self.band_38


def _int(text: str) -> int | None:
    return int(text) if text else None


def _load() -> list[Gene]:
    with resources.files("onconode.data").joinpath(GENES_FILE).open("rb") as raw, gzip.open(raw, "rt") as fh:
        return [
            Gene(
                symbol=r["symbol"], ensembl_gene_id=r["ensembl_gene_id"], chromosome=r["chromosome"],
                strand=r["strand"], start_37=_int(r["start_37"]), end_37=_int(r["end_37"]), band_37=r["band_37"],
                start_38=_int(r["start_38"]), end_38=_int(r["end_38"]), band_38=r["band_38"],
                chromosome_37=r["chromosome_37"], chromosome_38=r["chromosome_38"], alias=r["alias"],
            )
            for r in csv.DictReader(fh, delimiter="\t")
        ]


def _preference(g: Gene) -> tuple[int, int]:
    # Where a symbol names several genes (paralogues, X/Y pseudo-autosomal copies), prefer
    # the one annotated on both builds, then one off the Y chromosome.
    return (0 if g.start_37 is not None and g.start_38 is not None else 1, 1 if g.chromosome == "Y" else 0)


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[Gene, ...], dict[str, Gene]]:
    all_genes = _load()
    by_symbol: dict[str, Gene] = {}
    for g in sorted(all_genes, key=_preference):
        by_symbol.setdefault(g.symbol.upper(), g)
    for g in sorted(all_genes, key=_preference):
        if g.alias:
            by_symbol.setdefault(g.alias.upper(), g)
    return tuple(all_genes), by_symbol


def genes() -> Iterator[Gene]:
    """Every protein-coding gene, in genome order (chromosome 1..22, X, Y, MT)."""
    return iter(_index()[0])


def gene(symbol: str) -> Gene | None:
    """The gene a symbol (or its older GRCh37 name) names, case-insensitively; None if unknown."""
    return _index()[1].get(symbol.strip().upper())


def is_known_gene(symbol: str) -> bool:
    """Whether a symbol names a protein-coding gene of the reference."""
    return gene(symbol) is not None
