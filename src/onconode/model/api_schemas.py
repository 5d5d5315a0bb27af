"""Pydantic models of the harmonized tables, derived from the model for the REST API.

Deriving them (instead of writing them by hand) keeps OpenAPI, validation and the store in
agreement: a column added to the model appears in the API with its description and codes.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from onconode.model.schema import Column, Kind
from onconode.model.tables import TABLES_BY_NAME

PY_TYPES: dict[Kind, Any] = {
    Kind.STRING: str, Kind.INT: int, Kind.FLOAT: float, Kind.BOOL: bool,
    Kind.DATE: dt.date, Kind.TIMESTAMP: dt.datetime,
}


def _field(column: Column) -> tuple[Any, Any]:
    py: Any = Literal[column.codes] if column.codes else PY_TYPES[column.kind]  # type: ignore[valid-type]
    extra: dict[str, Any] = {"description": column.description}
    if column.minimum is not None:
        extra["ge"] = column.minimum
    if column.maximum is not None:
        extra["le"] = column.maximum
    if column.required:
        return py, Field(..., **extra)
    return Optional[py], Field(None, **extra)


@cache
def api_model(table: str) -> type[BaseModel]:
    """The Pydantic model of one row of `table` (e.g. api_model("sample"))."""
    t = TABLES_BY_NAME[table]
    fields = {c.name: _field(c) for c in t.columns}
    name = "".join(part.capitalize() for part in t.name.split("_"))
    model = create_model(name, __config__=ConfigDict(extra="forbid", title=name), **fields)  # type: ignore[call-overload]
    model.__doc__ = t.description
    return model
