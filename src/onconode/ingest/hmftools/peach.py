"""PEACH → pharmacogenomic_haplotype.

PEACH 2 (`<normal>.peach.haplotypes.best.tsv`, C/peach/PeachGenotypeFile.java) writes a
haplotype and its copy count; PEACH 1 (`<tumour>.peach.genotype.tsv`, its README) wrote
the zygosity into the haplotype (`*1_HOM`, `*2A_HET`), read here as haplotype `*1` with
count 2 (HOM) or 1 (HET). PEACH types the germline, so a PEACH 2 file carries the
normal sample's id; discovery attaches it to the tumour sample of the same run. Germline
data: the table is marked so (model), and releases and analyses treat it as such.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import PHARMACOGENOMIC_HAPLOTYPE

LAYOUTS = (
    Layout("PEACH", "PEACH 2.x", fields={"gene": "gene", "haplotype": "haplotype", "count": "count", "function": "function",
                         "linkedDrugs": "linked_drugs", "prescriptionUrls": "prescription_urls"},
           required=("gene", "haplotype", "count", "function")),
    Layout("PEACH", "PEACH 1.x", fields={"gene": "gene", "haplotype": "haplotype", "function": "function", "linked_drugs": "linked_drugs",
                         "url_prescription_info": "prescription_urls"},
           required=("gene", "haplotype", "function", "linked_drugs"),
           not_stored={"panel_version": "the PEACH panel's version", "repo_version": "the PEACH code version"}),
)
ZYGOSITY = {"HOM": 2, "HET": 1}


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    layout, rows = read_rows(path, problems, PHARMACOGENOMIC_HAPLOTYPE, LAYOUTS)
    out = []
    for _, _, row in rows:
        if layout is not None and layout.versions == "PEACH 1.x":
            name, _, zygosity = (row.get("haplotype") or "").rpartition("_")
            if zygosity in ZYGOSITY and name:
                row["haplotype"], row["count"] = name, ZYGOSITY[zygosity]
        out.append(row)
    return {"pharmacogenomic_haplotype": out}
