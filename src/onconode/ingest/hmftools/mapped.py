"""Reading a TSV whose columns map one to one onto a model table.

Most newer hmftools files (germline amplifications/deletions, chromosome arms, LINX
clusters, links and drivers) are a header of camelCase names over typed values; one
declaration of header → column per file is all their readers need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader, check_unique
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import read_tsv
from onconode.model import Table

Row = dict[str, Any]


def read_mapped(
    path: Path, problems: Problems, table: Table, fields: dict[str, str], *, ref_genome: str | None = None,
) -> list[tuple[int, Row, dict[str, str]]]:
    """(line, row of `table`, the file's row) from `path`: each header in `fields` the file has becomes its column.

    A column the model requires must have a value. The caller adds what needs more than
    a one-to-one mapping, then calls `unique` to refuse repeated keys.
    """
    reader = FieldReader(path, problems, table, ref_genome)
    required = tuple(h for h, c in fields.items() if table.column(c).required)
    rows = []
    for line, row in read_tsv(path, problems, required=required):
        out: Row = {}
        for header, column in fields.items():
            if header in row:
                getter = reader.required if table.column(column).required else reader.get
                out[column] = getter(row, line, header, column)
        rows.append((line, out, row))
    return rows


def unique(path: Path, problems: Problems, table: Table, rows: list[tuple[int, Row, dict[str, str]]]) -> list[Row]:
    """The model rows, each repeat of the table's key reported at its line."""
    reader = FieldReader(path, problems, table)
    return check_unique(reader, [(line, out) for line, out, _ in rows], tuple(c for c in table.key if c != "sample_id"))
