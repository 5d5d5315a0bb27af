"""Reading one hmftools file's values into model columns, with every bad value located.

Each reader walks its rows and asks a `FieldReader` for typed values by header name, so
"what is wrong, where, and what to do" is worded the same for every PURPLE, LINX, CHORD
and ORANGE file, and all problems of a file are collected rather than the first one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.genome import CONTIG_COLUMNS, canonical_contig, check_position
from onconode.ingest.problems import Problems
from onconode.ingest.values import BadValue, coerce, is_missing
from onconode.model import Table

HINT = "fix the value in the file (or regenerate it with the pipeline) and ingest again"


class FieldReader:
    """Typed values of one file; each failure becomes a Problem at file:line:column."""

    def __init__(self, path: Path | str, problems: Problems, table: Table, ref_genome: str | None = None) -> None:
        self.path = str(path)
        self.problems = problems
        self.table = table
        self.ref_genome = ref_genome
        self._columns = {c.name: c for c in table.columns}  # Table.column scans; this runs per field

    def get(self, row: dict[str, Any], line: int | None, header: str, column: str | None = None) -> Any:
        """The value under `header` coerced as model column `column` (default: same name).

        A header the file does not have reads as missing, so optional columns of newer or
        older tool versions need no special casing by the caller.
        """
        raw = row.get(header)
        return self.value(raw, line, header, column or header)

    def value(self, raw: Any, line: int | None, where: str, column: str) -> Any:
        """The typed value; a contig name in the store's one spelling (genome.canonical_contig)."""
        self.problems.read_column(self.path, where)
        try:
            value = coerce(raw, self._columns[column])
        except BadValue as exc:
            self.problems.error(self.path, line, where, str(exc), HINT)
            return None
        return canonical_contig(value) if column in CONTIG_COLUMNS and isinstance(value, str) else value

    def mark(self, *headers: str) -> None:
        """Note columns a reader uses without `get` (ids joining files, a renamed flag)."""
        for header in headers:
            self.problems.read_column(self.path, header)

    def required(self, row: dict[str, Any], line: int | None, header: str, column: str | None = None) -> Any:
        """Like `get`, but a missing value is a problem too."""
        if is_missing(row.get(header)):
            self.problems.error(self.path, line, header, "a value is required here but the field is empty", HINT)
            return None
        return self.get(row, line, header, column)

    def position(self, chrom: str | None, pos: int | None, line: int | None, where: str, chrom_where: str = "chromosome") -> bool:
        """False (and a problem) when the coordinate cannot exist on the sample's build.

        An unknown contig is reported at the chromosome column, a position past the end
        of the chromosome at the position column.
        """
        if chrom is None or self.ref_genome is None:
            return True
        hint = "check that the file belongs to this sample and that the reference genome is right (--ref-genome)"
        message = check_position(chrom, 1, self.ref_genome)
        if message:
            self.problems.error(self.path, line, chrom_where, message, hint)
            return False
        message = check_position(chrom, pos, self.ref_genome) if pos is not None else None
        if message:
            self.problems.error(self.path, line, where, message, hint)
            return False
        return True

    def error(self, line: int | None, where: str | None, message: str, hint: str = HINT) -> None:
        self.problems.error(self.path, line, where, message, hint)

    def warning(self, line: int | None, where: str | None, message: str, hint: str = "") -> None:
        self.problems.warning(self.path, line, where, message, hint)


def check_unique(reader: FieldReader, rows: list[tuple[int | None, dict[str, Any]]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows without repeated keys; each repeat is reported with both line numbers.

    The store would refuse duplicates at commit anyway, but only here can we say which
    lines of which file to look at.
    """
    seen: dict[tuple, int | None] = {}
    out = []
    for line, row in rows:
        k = tuple(row.get(c) for c in key)
        if k in seen:
            first = seen[k]
            reader.error(
                line, None,
                f"repeats the row of line {first} (same {', '.join(key)}: {', '.join(str(v) for v in k)})",
                "each row must appear once; remove the duplicate line",
            )
            continue
        seen[k] = line
        out.append(row)
    return out
