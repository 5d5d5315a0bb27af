"""Build src/onconode/data/genes.tsv.gz, the protein-coding gene reference.

Inputs (see src/onconode/data/GENES_SOURCE.md for provenance and licences):
- the Ensembl protein-coding transcript tables bundled in the SigProfilerMatrixGenerator
  wheel (references/chromosomes/transcripts/GRCh37|GRCh38/<chrom>_transcripts.txt:
  gene id, transcript id, chromosome, strand, start, end, gene name, biotype);
- the UCSC cytoband tables as shipped in hartwigmedical/hmftools
  (hmf-common/src/main/resources/refgenome/cytoBands.37|38.tsv), kept here in a compact
  form (bands37.txt / bands38.txt: per chromosome `band:end/100kb`, last band to the end).

Usage: python scripts/genes/build_gene_reference.py PATH/TO/SigProfilerMatrixGenerator/references/chromosomes/transcripts
"""

from __future__ import annotations

import bisect
import gzip
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE.parents[1] / "src" / "onconode" / "data" / "genes.tsv.gz"
CHROMS = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]


def read_bands(path: Path) -> dict[str, tuple[list[int], list[str]]]:
    bands: dict[str, tuple[list[int], list[str]]] = {}
    for line in path.read_text().splitlines():
        chrom, *items = line.split()
        ends, names = [], []
        for item in items:
            name, _, end = item.partition(":")
            names.append(name)
            ends.append(int(end) * 100_000 if end else 10**10)
        bands[chrom] = (ends, names)
    return bands


def band_of(bands: dict, chrom: str, start: int, end: int) -> str:
    if chrom not in bands:
        return ""
    ends, names = bands[chrom]
    first = names[min(bisect.bisect_left(ends, start), len(names) - 1)]
    last = names[min(bisect.bisect_left(ends, end), len(names) - 1)]
    # PURPLE writes a range lowest band name first (p36.32-p36.33 although p36.33 comes first).
    return first if first == last else "-".join(sorted((first, last)))


def read_genes(folder: Path) -> dict[str, dict]:
    genes: dict[str, dict] = {}
    for chrom in CHROMS:
        path = folder / f"{chrom}_transcripts.txt"
        for line in path.read_text().splitlines():
            gid, _tid, c, strand, start, end, name, biotype = line.split("\t")
            if biotype != "protein_coding":
                continue
            g = genes.setdefault(gid, {"name": name, "chrom": c, "strand": strand, "start": int(start), "end": int(end)})
            g["start"] = min(g["start"], int(start))
            g["end"] = max(g["end"], int(end))
    return genes


def merge_renumbered(rows: list[tuple]) -> list[tuple]:
    """Join a gene Ensembl gave a new id in GRCh38 (same symbol, same chromosome, one row
    with only GRCh37 and one with only GRCh38 coordinates) into one row with the GRCh38 id."""
    by_symbol: dict[str, list[tuple]] = {}
    for r in rows:
        by_symbol.setdefault(r[0], []).append(r)
    out = []
    for symbol, group in by_symbol.items():
        only37 = [r for r in group if r[5] != "" and r[9] == ""]
        only38 = [r for r in group if r[5] == "" and r[9] != ""]
        if len(only37) == 1 and len(only38) == 1 and only37[0][4] == only38[0][8]:
            a, b = only37[0], only38[0]
            group = [r for r in group if r is not a and r is not b]
            group.append(b[:4] + a[4:8] + b[8:12] + (b[12],))
        out.extend(group)
    return out


def main(transcripts: Path) -> None:
    g37 = read_genes(transcripts / "GRCh37")
    g38 = read_genes(transcripts / "GRCh38")
    b37 = read_bands(HERE / "bands37.txt")
    b38 = read_bands(HERE / "bands38.txt")
    order = {c: i for i, c in enumerate(CHROMS)}
    rows = []
    for gid in set(g37) | set(g38):
        a, b = g37.get(gid), g38.get(gid)
        main_ = b or a
        symbol = main_["name"]
        alias = a["name"] if a and b and a["name"] != b["name"] else ""
        rows.append((
            symbol, gid, main_["chrom"], "+" if main_["strand"] == "1" else "-",
            a["chrom"] if a else "", a["start"] if a else "", a["end"] if a else "",
            band_of(b37, a["chrom"], a["start"], a["end"]) if a else "",
            b["chrom"] if b else "", b["start"] if b else "", b["end"] if b else "",
            band_of(b38, b["chrom"], b["start"], b["end"]) if b else "",
            alias,
        ))
    rows = merge_renumbered(rows)
    rows.sort(key=lambda r: (order[r[2]], r[9] if r[9] != "" else r[5], r[0], r[1]))
    header = ("symbol", "ensembl_gene_id", "chromosome", "strand", "chromosome_37", "start_37", "end_37",
              "band_37", "chromosome_38", "start_38", "end_38", "band_38", "alias")
    # mtime=0: the same inputs give byte-identical output.
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(("\t".join(header) + "\n").encode())
        for r in rows:
            gz.write(("\t".join(str(x) for x in r) + "\n").encode())
    print(f"wrote {len(rows)} genes to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
