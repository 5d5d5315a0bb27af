"""A code of a column's own list is a value, even where it reads like a missing one.

PAVE writes the coding effect NONE (intergenic), LINX 2.3 and PURPLE 4.4 write the
reportedStatus NONE (nothing reports it), LINX a fusion likelihood NA: each was read as an
empty cell, so "not reported" and "not known" became the same, and a breakend's status
was listed as a column onconode does not read."""

from __future__ import annotations

import pytest

from onconode.ingest.values import coerce
from onconode.model import TABLES_BY_NAME


def _column(table: str, name: str):
    return next(c for c in TABLES_BY_NAME[table].columns if c.name == name)


@pytest.mark.parametrize(("table", "column", "raw"), [
    ("sv_breakend", "reported_status", "NONE"),
    ("gene_copy_number", "reported_status", "NONE"),
    ("somatic_variant", "coding_effect", "NONE"),
    ("fusion", "likelihood", "NA"),
])
def test_a_code_of_the_column_that_looks_missing_is_kept(table: str, column: str, raw: str) -> None:
    col = _column(table, column)
    assert raw in col.codes
    assert coerce(raw, col) == raw
    assert coerce(f" {raw}\t", col) == raw


def test_an_empty_or_missing_cell_is_still_missing_in_a_coded_column() -> None:
    col = _column("sv_breakend", "reported_status")
    assert [coerce(v, col) for v in ("", "NA", ".", "null")] == [None, None, None, None]
