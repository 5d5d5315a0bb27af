"""The harmonized data model: every table, column and code list, defined once."""

from onconode.model.history import MODEL_VERSION
from onconode.model.schema import Column, Kind, Table
from onconode.model.tables import TABLES, TABLES_BY_NAME, WITHDRAWAL, table

__all__ = ["Column", "Kind", "Table", "TABLES", "TABLES_BY_NAME", "WITHDRAWAL", "table", "MODEL_VERSION"]
