"""Data minimisation: the data items a request names, and what the board compares.

An item is one table of the harmonized model (`onconode.model`) with the columns wanted
and a justification. The board sees, per item, what was requested next to the minimal
set: the requested columns without the quasi-identifiers (dates, year of birth,
hospital code), which re-identify people most easily and so must be approved on
purpose. Only the items (and columns) in the approving decision are ever released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onconode.model import TABLES_BY_NAME, Kind
from onconode.model.tables import GERMLINE_TABLES

MIN_JUSTIFICATION = 20
QUASI_IDENTIFIER_NAMES = frozenset({"birth_year", "hospital_code"})


@dataclass(frozen=True)
class DataItem:
    table: str
    columns: tuple[str, ...]
    justification: str

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "columns": list(self.columns), "justification": self.justification}


def quasi_identifiers(table: str) -> tuple[str, ...]:
    t = TABLES_BY_NAME[table]
    return tuple(c.name for c in t.columns if c.kind in (Kind.DATE, Kind.TIMESTAMP) or c.name in QUASI_IDENTIFIER_NAMES)


def parse_items(raw: Any) -> tuple[list[DataItem], list[str]]:
    """Items from form input, with every problem found (item number and field)."""
    problems: list[str] = []
    items: list[DataItem] = []
    if not isinstance(raw, list) or not raw:
        return [], ["items: request at least one data item (a table of the data model with the columns you need)"]
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"item {n}: expected table, columns and justification")
            continue
        table = str(entry.get("table", ""))
        if table not in TABLES_BY_NAME:
            problems.append(f"item {n}, table: {table!r} is not a table of the data model; choose one of {', '.join(TABLES_BY_NAME)}")
            continue
        if table in seen:
            problems.append(f"item {n}, table: {table} is requested twice; list all its columns in one item")
        seen.add(table)
        cols = entry.get("columns") or "all"
        known = TABLES_BY_NAME[table].column_names
        columns = tuple(known) if cols == "all" else tuple(str(c) for c in cols)
        unknown = [c for c in columns if c not in known]
        if unknown:
            problems.append(f"item {n}, columns: {', '.join(unknown)} not in table {table} (it has {', '.join(known)})")
        justification = str(entry.get("justification", "")).strip()
        if len(justification) < MIN_JUSTIFICATION:
            problems.append(f"item {n}, justification: explain in at least {MIN_JUSTIFICATION} characters why the project needs {table}")
        items.append(DataItem(table, columns, justification))
    return items, problems


def minimisation_review(items: list[DataItem]) -> list[dict[str, Any]]:
    """Requested vs. minimal per item, as the board sees it."""
    rows = []
    for item in items:
        quasi = [c for c in item.columns if c in quasi_identifiers(item.table)]
        all_cols = TABLES_BY_NAME[item.table].column_names
        rows.append({
            "table": item.table,
            "requested": list(item.columns),
            "minimal": [c for c in item.columns if c not in quasi],
            "quasi_identifiers": quasi,
            "whole_table": set(item.columns) == set(all_cols),
            "germline": item.table in GERMLINE_TABLES,
            "justification": item.justification,
        })
    return rows


def approve_subset(requested: list[DataItem], approved: list[dict[str, Any]] | None) -> list[DataItem]:
    """The items the board approves: a subset of the requested tables and columns.

    `None` approves everything requested except germline items: germline data identifies
    the patient and their relatives, so the board approves it only by naming it. Anything
    not requested is refused, because a board can narrow a request but never widen it.
    """
    if approved is None:
        return [i for i in requested if i.table not in GERMLINE_TABLES]
    by_table = {i.table: i for i in requested}
    out = []
    for a in approved:
        item = by_table.get(a.get("table"))
        if item is None:
            raise ValueError(f"table {a.get('table')!r} was not requested; a decision can only narrow the request")
        cols = tuple(a.get("columns") or item.columns)
        extra = [c for c in cols if c not in item.columns]
        if extra:
            raise ValueError(f"columns {', '.join(extra)} of {item.table} were not requested; a decision can only narrow the request")
        out.append(DataItem(item.table, cols, item.justification))
    return out


def released_columns(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Table → columns the release builder may export (from the approving decision)."""
    return {i["table"]: list(i["columns"]) for i in items}
