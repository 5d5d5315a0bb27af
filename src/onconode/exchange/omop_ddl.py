"""The official OMOP CDM 5.4 PostgreSQL DDL, shipped in `data/omop/ddl/` (source commit and
licence in the README there), and what the export reads from it.

Why read it instead of restating it: the DDL's column order is the CSV header order a
`COPY` expects, its NOT NULL columns are the fields OMOP requires and its varchar lengths
are what PostgreSQL enforces, so one parsed copy keeps the writer, the tests and the
operator's database in step with the official text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

PARTS = ("ddl", "primary_keys", "constraints")
SCHEMA_PLACEHOLDER = "@cdmDatabaseSchema"
_TABLE = re.compile(r"CREATE TABLE @cdmDatabaseSchema\.(\w+) \((.*?)\);", re.DOTALL)
_VARCHAR = re.compile(r"varchar\((\d+)\)", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """One column of an OMOP table as the DDL declares it."""

    name: str
    type: str
    required: bool

    @property
    def max_length(self) -> int | None:
        """The varchar limit PostgreSQL enforces, None for other types."""
        m = _VARCHAR.fullmatch(self.type)
        return int(m.group(1)) if m else None


def ddl_text(part: str) -> str:
    """One vendored file (`ddl`, `primary_keys` or `constraints`) as OHDSI publishes it."""
    if part not in PARTS:
        raise ValueError(f"unknown DDL part {part!r}; the parts are {', '.join(PARTS)}")
    name = f"omop/ddl/OMOPCDM_postgresql_5.4_{part}.sql"
    return resources.files("onconode.data").joinpath(name).read_text(encoding="utf-8")


def ddl_sql(part: str, schema: str) -> str:
    """The file with `@cdmDatabaseSchema` replaced by `schema` (a plain SQL identifier)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(f"schema name {schema!r} is not a plain SQL identifier (letters, digits, _)")
    return ddl_text(part).replace(SCHEMA_PLACEHOLDER, schema)


@cache
def tables() -> dict[str, tuple[Column, ...]]:
    """Every table of the DDL with its columns in declaration order."""
    out: dict[str, tuple[Column, ...]] = {}
    for name, body in _TABLE.findall(ddl_text("ddl")):
        cols = []
        for line in body.split(",\n"):
            text = line.strip()
            required = text.endswith("NOT NULL")
            text = text[: -len("NOT NULL")] if required else text[: -len("NULL")]
            col_name, col_type = text.strip().split(None, 1)
            cols.append(Column(col_name.strip('"'), col_type.strip(), required))
        out[name] = tuple(cols)
    return out


def columns(table: str) -> tuple[Column, ...]:
    try:
        return tables()[table]
    except KeyError:
        raise KeyError(f"OMOP CDM 5.4 has no table {table!r}; tables are: {', '.join(tables())}") from None
