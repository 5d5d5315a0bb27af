"""Turning text from input files into typed model values, or into a Problem.

All readers go through `coerce`, so "what counts as a valid date / boolean / code" is
decided in one place and every reader reports bad values the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from onconode.model import Column, Kind, Table

MISSING = {"", "na", "n/a", "nan", "null", "none", ".", "-", "unknown_value"}
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}


class BadValue(ValueError):
    """A value that cannot become the column's type; the message says what is expected."""


def is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip().lower() in MISSING


def parse_date(raw: str) -> dt.date:
    text = raw.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if len(text) >= 10:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise BadValue(f"{raw!r} is not a date; write it as YYYY-MM-DD")


def coerce(raw: Any, column: Column) -> Any:
    """The typed value of `raw` for `column`, None for a missing value; raises BadValue.

    A code of the column's own list is a value even where it reads like a missing one: PAVE's
    coding effect and LINX/PURPLE's reportedStatus `NONE`, a fusion likelihood `NA`."""
    if isinstance(raw, str) and column.codes and raw.strip() in column.codes:
        return raw.strip()
    if is_missing(raw):
        return None
    kind = column.kind
    text = raw.strip() if isinstance(raw, str) else raw
    try:
        if kind is Kind.STRING:
            value: Any = str(text)
        elif kind is Kind.INT:
            if isinstance(text, bool):
                raise ValueError
            f = float(text)
            if not f.is_integer():
                raise ValueError
            value = int(f)
        elif kind is Kind.FLOAT:
            value = float(text)
            if math.isnan(value) or math.isinf(value):
                raise ValueError
        elif kind is Kind.BOOL:
            if isinstance(text, bool):
                value = text
            elif str(text).lower() in TRUE:
                value = True
            elif str(text).lower() in FALSE:
                value = False
            else:
                raise BadValue(f"{raw!r} is not true/false")
        elif kind is Kind.DATE:
            value = text if isinstance(text, dt.date) else parse_date(str(text))
        elif kind is Kind.TIMESTAMP:
            value = text if isinstance(text, dt.datetime) else dt.datetime.fromisoformat(str(text))
        else:  # pragma: no cover - every Kind is handled above
            raise BadValue(f"unsupported type {kind}")
    except BadValue:
        raise
    except (ValueError, TypeError, OverflowError):
        raise BadValue(f"{raw!r} is not {'an' if kind is Kind.INT else 'a'} {kind.value}") from None
    if column.codes and value not in column.codes:
        shown = ", ".join(column.codes[:12]) + (", ..." if len(column.codes) > 12 else "")
        raise BadValue(f"{raw!r} is not an allowed value (allowed: {shown})")
    if column.minimum is not None and isinstance(value, (int, float)) and value < column.minimum:
        raise BadValue(f"{value} is below the minimum {column.minimum}")
    if column.maximum is not None and isinstance(value, (int, float)) and value > column.maximum:
        raise BadValue(f"{value} is above the maximum {column.maximum}")
    return value


def to_arrow(table: Table, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows of already-coerced values as an Arrow table with the model's schema."""
    rows = list(rows)
    schema = table.arrow_schema
    arrays = [pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=pa.schema([f.with_nullable(True) for f in schema]))
