"""Reading a tool's TSV by its header against the layouts (tool versions) onconode knows.

Every WiGiTS tool has changed its columns between versions (LILAC 2.0 added `Genes`,
Isofox 2.0 renamed most fusion columns and moved from CSV to TSV). A `Layout` names the
versions it covers, the headers that identify it and what each header becomes in the
model. The file's header picks the layout; a header that fits none is one clear error
naming the file, its columns, what each known layout lacks and the versions known.
A column read but not kept is reported as "not stored" with the reason, never dropped
silently.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text, read_tsv
from onconode.model import Table

Row = dict[str, Any]


@dataclass(frozen=True)
class Layout:
    """One column layout of a tool file.

    `fields`: file header -> model column. `required`: headers a file of this layout
    always has (they identify it). `not_stored`: header -> why onconode keeps it out.
    """

    versions: str
    fields: dict[str, str]
    required: tuple[str, ...]
    not_stored: dict[str, str] = field(default_factory=dict)
    forbidden: tuple[str, ...] = ()   # headers whose presence means another layout
    derived: tuple[str, ...] = ()     # headers the tool's reader turns into columns itself

    def fits(self, header: list[str]) -> bool:
        return all(h in header for h in self.required) and not any(h in header for h in self.forbidden)


def delimiter_of(path: Path) -> str:
    """Isofox up to 1.7 and LILAC 1.x wrote `.csv`; everything else is tab-separated."""
    name = path.name.lower().removesuffix(".gz")
    return "," if name.endswith(".csv") else "\t"


def header_of(path: Path, problems: Problems) -> list[str] | None:
    """The header line's column names, or None (and a problem) when there is none."""
    try:
        with open_text(path) as fh:
            for raw in fh:
                line = raw.rstrip("\r\n")
                if line.strip():
                    return [h.strip().lstrip("#") for h in next(csv.reader([line], delimiter=delimiter_of(path), quoting=csv.QUOTE_NONE))]
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        problems.error(str(path), 1, None, f"cannot read the header ({exc})", "copy the file again from the pipeline output")
        return None
    problems.error(str(path), None, None, "the file is empty (no header line)", "rerun the tool or remove the file")
    return None


def choose(path: Path, problems: Problems, tool: str, layouts: tuple[Layout, ...]) -> Layout | None:
    """The layout the file's header fits, or None with an error naming what is wrong."""
    header = header_of(path, problems)
    if header is None:
        return None
    for layout in layouts:
        if layout.fits(header):
            known = set(layout.fields) | set(layout.not_stored) | set(layout.derived)
            for h in header:
                if h not in known:
                    problems.warning(str(path), 1, h, f"not stored: {tool} column {h!r} is not part of the {layout.versions} "
                                     "layout onconode knows", "tell the onconode maintainers which tool version wrote it")
            for h, why in layout.not_stored.items():
                if h in header:
                    problems.warning(str(path), 1, h, f"not stored: {why}")
            return layout
    lacks = "; ".join(f"{l.versions} needs {', '.join(h for h in l.required if h not in header) or 'no ' + ', '.join(h for h in l.forbidden if h in header)}"
                      for l in layouts)
    problems.error(
        str(path), 1, None,
        f"not a {tool} layout onconode knows (columns: {', '.join(header)}); {lacks}",
        f"known versions: {', '.join(l.versions for l in layouts)}; check the file is the {tool} output it is named as",
    )
    return None


def read_rows(path: Path, problems: Problems, table: Table, tool: str, layouts: tuple[Layout, ...],
              ref_genome: str | None = None, keep: Callable[[Row], bool] | None = None,
              ) -> tuple[Layout | None, list[tuple[int, Row, Row]]]:
    """(layout, [(line, raw row, model row)]) of a tool file; model rows typed by `table`.

    `keep` picks the raw rows to type and return (the others are the caller's to report)."""
    layout = choose(path, problems, tool, layouts)
    if layout is None:
        return None, []
    reader = FieldReader(path, problems, table, ref_genome)
    required = {h: c for h, c in layout.fields.items() if table.column(c).required}
    out = []
    for line, raw in read_tsv(path, problems, delimiter=delimiter_of(path)):
        if keep is not None and not keep(raw):
            out.append((line, raw, {}))
            continue
        row = {col: reader.get(raw, line, header, col) for header, col in layout.fields.items() if header in raw}
        empty = [h for h, c in required.items() if h in raw and row.get(c) is None]
        for h in empty:
            reader.error(line, h, "a value is required here but the field is empty")
        if not empty:
            out.append((line, raw, row))
    return layout, out
