"""PEACH 2.0 → pharmacogenomic_haplotype (C/peach/PeachGenotypeFile.java).

PEACH types the *normal* (germline) sample, so its file carries the normal sample's id;
discovery attaches it to the tumour sample of the same run. Germline data: the table is
marked so (model), and releases and analyses treat it as such.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import PHARMACOGENOMIC_HAPLOTYPE

LAYOUTS = (Layout("PEACH 2.x", {"gene": "gene", "haplotype": "haplotype", "count": "count", "function": "function",
                                "linkedDrugs": "linked_drugs", "prescriptionUrls": "prescription_urls"},
                  required=("gene", "haplotype", "count", "function")),)


def read(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    _, rows = read_rows(path, problems, PHARMACOGENOMIC_HAPLOTYPE, "PEACH", LAYOUTS)
    return {"pharmacogenomic_haplotype": [row for _, _, row in rows]}
