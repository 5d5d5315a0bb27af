"""Reference genomes: contig names and lengths of GRCh37 and GRCh38.

Used to recognise which build a file is on (from its header's contig lengths or its
##reference line) and to refuse coordinates that do not fit the declared build, so two
builds never mix silently in one store.
"""

from __future__ import annotations

import re

GRCH37 = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566, "MT": 16569,
}
GRCH38 = {
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
    "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
    "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
    "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415, "MT": 16569,
}
LENGTHS = {"GRCh37": GRCH37, "GRCh38": GRCH38}
ALIASES = {
    "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "37": "GRCh37", "v37": "GRCh37", "hs37d5": "GRCh37",
    "grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38", "38": "GRCh38", "v38": "GRCh38",
}


def normalize_ref_genome(name: str) -> str | None:
    """'hg19', 'V37', 'GRCh37' ... → 'GRCh37'; None when it names no build we know."""
    key = name.strip().lower()
    if key in ALIASES:
        return ALIASES[key]
    for alias, build in sorted(ALIASES.items(), key=lambda kv: -len(kv[0])):
        if len(alias) > 2 and re.search(rf"(^|[^a-z0-9]){re.escape(alias)}([^0-9]|$)", key):
            return build
    return None


# Columns of the model that hold a contig name; every reader stores them through canonical_contig.
CONTIG_COLUMNS = ("chromosome", "start_chromosome", "end_chromosome")


def canonical_contig(name: str) -> str:
    """The one name the store keeps for a contig, on either build: 'chr7' → '7', 'chrX' / 'x' → 'X',
    'chrM' / 'M' → 'MT', 'chrUn_KI270302v1' → 'Un_KI270302v1'.

    Files spell GRCh38 contigs 'chr7' (UCSC, Hartwig v38) and GRCh37 ones '7' (Ensembl,
    Hartwig v37), and some mix them; stored as written, a query or a Beacon request for
    chromosome 7 would miss half of them. The build is kept per sample (tumor_profile),
    so the name alone need not tell it, and the store, the gene table and the Beacon
    (whose query parser maps 'chr7' and 'refseq:NC_000007.13' to '7') all use this form.
    """
    base = name[3:] if name.lower().startswith("chr") else name
    if base.upper() in ("M", "MT"):
        return "MT"
    return base.upper() if base.upper() in ("X", "Y") else base


def detect_from_contigs(contigs: dict[str, int]) -> str | None:
    """The build whose primary-contig lengths match the header's, or None if unclear."""
    votes = {build: 0 for build in LENGTHS}
    for name, length in contigs.items():
        c = canonical_contig(name)
        for build, table in LENGTHS.items():
            if c != "MT" and table.get(c) == length:
                votes[build] += 1
    best = max(votes, key=votes.get)
    others = [b for b in votes if b != best]
    if votes[best] >= 3 and all(votes[o] == 0 for o in others):
        return best
    return None


def check_position(chrom: str, position: int, ref_genome: str) -> str | None:
    """A problem description when (chrom, position) cannot exist on the build, else None."""
    table = LENGTHS[ref_genome]
    c = canonical_contig(chrom)
    if c not in table:
        if re.match(r"^(GL|KI|NC_|HLA|JH|hs37d5|NT_|.*_random|.*_alt|Un_|chrUn|EBV)", chrom, re.I):
            return None  # decoy / unplaced contigs are legitimate but not primary
        return f"contig {chrom!r} is not a chromosome of {ref_genome}"
    if position < 1 or position > table[c]:
        return f"position {position:,} is outside chromosome {chrom} of {ref_genome} (length {table[c]:,})"
    return None
