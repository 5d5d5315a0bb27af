"""docs/patient-db-parity.md: Hartwig's 39 patient-db tables → onconode tables, kept honest.

Every onconode table the page names must exist in the model, except those marked
"planned:" (tables other branches of issue 17 add; the coordinator checks them at merge,
and once merged the marker goes). The totals sentence must count the rows as listed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from onconode.model import TABLES_BY_NAME, WITHDRAWAL

DOC = Path(__file__).resolve().parents[2] / "docs" / "patient-db-parity.md"
# The tables other engineers of issue 17 add; the only names allowed to be missing from the model.
PLANNED = {
    "germline_amp_del", "chromosome_arm_copy_number", "sv_driver", "sv_cluster", "sv_link", "tool_version",
    "cuppa_prediction", "hla_allele", "hla_qc", "virus", "signature_allocation", "pharmacogenomic_haplotype",
    "telomere_length", "rna_statistics", "gene_expression", "novel_splice_junction", "rna_fusion",
    "germline_variant", "qc_metric",
}
ROW = re.compile(r"^\| (\d+) \| `(\w+)` \| (.*?) \| (held|partly|not) \|(.*)\|$")


def _rows() -> list[tuple[str, str, str]]:
    return [(m.group(2), m.group(3), m.group(4)) for line in DOC.read_text().splitlines() if (m := ROW.match(line))]


def _named(cell: str) -> tuple[set[str], set[str]]:
    """(tables named as present, tables named as planned) in one cell."""
    planned = set(re.findall(r"planned: `(\w+)`", cell))
    return set(re.findall(r"`(\w+)`", cell)) - planned, planned


def test_the_page_lists_the_39_patient_db_tables_once_each():
    names = [name for name, _, _ in _rows()]
    assert len(names) == 39 and len(set(names)) == 39


def test_every_onconode_table_the_page_names_exists_in_the_model_unless_marked_planned():
    rows = _rows()
    hartwig = {name for name, _, _ in rows}
    present = set().union(*(_named(cell)[0] for _, cell, _ in rows))
    planned = set().union(*(_named(cell)[1] for _, cell, _ in rows))
    tail_present, tail_planned = _named(DOC.read_text().split("**Totals", 1)[1])  # the paragraphs after the table
    present |= {n for n in tail_present if n not in hartwig}
    planned |= tail_planned
    assert present - {*TABLES_BY_NAME, WITHDRAWAL.name} == set(), "named without 'planned:' but not in model/tables.py"
    assert planned <= PLANNED, "marked planned, but no branch of issue 17 adds it"


def test_the_totals_count_the_rows_with_and_without_the_planned_tables():
    rows = _rows()
    merged = Counter(status for _, _, status in rows)
    now = Counter(
        "not" if not _named(cell)[0] else status for _, cell, status in rows
    )
    text = DOC.read_text()
    assert f"held {merged['held']}, partly {merged['partly']}, not {merged['not']}" in text
    assert f"held {now['held']}, partly {now['partly']}, not {now['not']}" in text
    assert sum(merged.values()) == 39
