"""GA4GH VRS 2.0 computed identifiers (`ga4gh:VA.…`) for stored small variants, offline.

Why: a node's own variant id (`GRCh37-7-140453136-A-T`) means nothing to another node;
the VRS identifier is a digest of the variant itself (sequence, 0-based interbase
location, state), so two nodes that hold the same variant compute the same string and
can tell, without sharing anything else. The digest and its RFC 8785 serialization are
the reference implementation's (`ga4gh.vrs`, `ga4gh_identify` on an Allele whose
SequenceLocation carries its `refgetAccession`); the sequence digests come from the
shipped table `data/refget/contigs.tsv` (sources in `data/refget/SOURCE.md`), so no
SeqRepo and no network are needed.

Normalisation (VRS uses NCBI VOCA, "fully justified"): after trimming the alleles'
common prefix, then suffix, a substitution (SNV, MNV, or a delins whose two trimmed
alleles are both non-empty) is already fully justified, so its identifier is exact. A
pure insertion or deletion must be rolled left and right across any repeat in the
reference, and becomes a ReferenceLengthExpression when the reference can derive it;
that needs reference sequence we do not ship, so such variants get the explicit outcome
`INDEL_NEEDS_REFERENCE` instead of an identifier that could differ from other nodes'.
Likewise a contig without a known digest gets `DIGEST_UNKNOWN`, never a made-up one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ga4gh.core import ga4gh_identify
from ga4gh.vrs import models

TABLE = "refget/contigs.tsv"
DIGEST_UNKNOWN = "no identifier (digest unknown)"
INDEL_NEEDS_REFERENCE = "no identifier (insertion/deletion: VOCA normalisation needs the reference sequence)"
NOT_A_SEQUENCE = "no identifier (allele is not a nucleotide sequence)"
NO_CHANGE = "no identifier (reference and alternate alleles are equal)"
OUTSIDE_CONTIG = "no identifier (position outside the contig)"
UNKNOWN_ASSEMBLY = "no identifier (assembly is neither GRCh37 nor GRCh38)"
_BASES = re.compile(r"^[ACGTN]+$")
_ASSEMBLIES = {"grch37": "GRCh37", "hg19": "GRCh37", "grch38": "GRCh38", "hg38": "GRCh38"}


@dataclass(frozen=True)
class Contig:
    """One primary contig of an assembly, as the shipped table gives it."""

    assembly: str
    name: str
    length: int
    refseq_accession: str
    refget_accession: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """The identifier of one variant, or why it has none (`reason`, one of the constants)."""

    id: str | None
    reason: str | None = None


@cache
def contigs() -> dict[tuple[str, str], Contig]:
    """(assembly, contig) → Contig for every row of the shipped table."""
    text = resources.files("onconode.data").joinpath(TABLE).read_text(encoding="utf-8")
    out: dict[tuple[str, str], Contig] = {}
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        c = Contig(row["assembly"], row["contig"], int(row["length"]), row["refseq_accession"],
                   row["refget_accession"], tuple(row["sources"].split(",")))
        out[(c.assembly, c.name)] = c
    return out


def contig(assembly: str, chromosome: str) -> Contig | None:
    """The table's contig for `chr7`/`7`/`chrM`/`MT` on GRCh37/GRCh38 (hg19/hg38); None if unknown."""
    build = _ASSEMBLIES.get(assembly.strip().lower())
    name = chromosome.strip()
    name = name[3:] if name.lower().startswith("chr") else name
    name = {"M": "MT", "m": "MT", "x": "X", "y": "Y", "mt": "MT"}.get(name, name)
    return contigs().get((build, name)) if build else None


def trim(position: int, ref: str, alt: str) -> tuple[int, int, str, str]:
    """VCF (1-based position, ref, alt) → (0-based interbase start, end, trimmed ref, trimmed alt),
    trimming the common prefix first, then the common suffix (as vrs-python / bioutils do)."""
    start = position - 1
    p = 0
    while p < len(ref) and p < len(alt) and ref[p] == alt[p]:
        p += 1
    ref, alt, start = ref[p:], alt[p:], start + p
    s = 0
    while s < len(ref) and s < len(alt) and ref[-1 - s] == alt[-1 - s]:
        s += 1
    if s:
        ref, alt = ref[:-s], alt[:-s]
    return start, start + len(ref), ref, alt


def allele(assembly: str, chromosome: str, position: int, ref: str, alt: str) -> models.Allele | Outcome:
    """The VRS 2.0 Allele of a VCF-style small variant, or the Outcome saying why there is none."""
    if _ASSEMBLIES.get(assembly.strip().lower()) is None:
        return Outcome(None, UNKNOWN_ASSEMBLY)
    ref, alt = ref.upper(), alt.upper()
    if not _BASES.match(ref) or not _BASES.match(alt):
        return Outcome(None, NOT_A_SEQUENCE)
    c = contig(assembly, chromosome)
    if c is None:
        return Outcome(None, DIGEST_UNKNOWN)
    if position < 1 or position - 1 + len(ref) > c.length:
        return Outcome(None, OUTSIDE_CONTIG)
    start, end, r, a = trim(position, ref, alt)
    if not r and not a:
        return Outcome(None, NO_CHANGE)
    if not r or not a:
        return Outcome(None, INDEL_NEEDS_REFERENCE)
    location = models.SequenceLocation(
        sequenceReference=models.SequenceReference(refgetAccession=c.refget_accession), start=start, end=end)
    return models.Allele(location=location, state=models.LiteralSequenceExpression(sequence=a))


def allele_id(assembly: str, chromosome: str, position: int, ref: str, alt: str) -> Outcome:
    """`Outcome("ga4gh:VA.…")` for a small variant, or `Outcome(None, reason)`."""
    a = allele(assembly, chromosome, position, ref, alt)
    if isinstance(a, Outcome):
        return a
    return Outcome(ga4gh_identify(a))
