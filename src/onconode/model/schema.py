"""The building blocks of the harmonized model: tables, columns and code lists.

Everything that needs to know a column — the store's DDL, the Arrow schemas readers
produce, validation, the data dictionary and the API schemas — reads these objects, so a
column is defined exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import pyarrow as pa


class Kind(str, Enum):
    """Logical column types; each maps to one Arrow and one DuckDB type."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"


ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.STRING: pa.string(),
    Kind.INT: pa.int64(),
    Kind.FLOAT: pa.float64(),
    Kind.BOOL: pa.bool_(),
    Kind.DATE: pa.date32(),
    Kind.TIMESTAMP: pa.timestamp("us"),
}

SQL_TYPES: dict[Kind, str] = {
    Kind.STRING: "VARCHAR",
    Kind.INT: "BIGINT",
    Kind.FLOAT: "DOUBLE",
    Kind.BOOL: "BOOLEAN",
    Kind.DATE: "DATE",
    Kind.TIMESTAMP: "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.kind]

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """A harmonized table.

    `owner` is the column whose value a reader replaces as a whole: re-ingesting a sample
    replaces every row of that sample, so the owner is `sample_id` for genomic tables,
    `patient_id` for clinical ones and `dataset_id` for datasets.
    `key` identifies one row within the current version (no two current rows share it).
    """

    name: str
    description: str
    owner: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    level: str = "sample"
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns])


def col(
    name: str,
    kind: Kind,
    description: str,
    *,
    required: bool = False,
    codes: tuple[str, ...] | list[str] = (),
    unit: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
) -> Column:
    return Column(name, kind, description, required, tuple(codes), unit, minimum, maximum)
