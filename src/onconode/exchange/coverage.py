"""The generic side of the formats' declarations (exchange.mapping): the coverage of each
format's required content in a freeze (for `onconode quality`) and the generated mapping
table per format (docs/exchange/<format>.md). A new format only declares MAPPING and
REQUIRED in its module; it finds them through the writer registered in FORMATS."""

from __future__ import annotations

import inspect
from typing import Any

import duckdb

from onconode.exchange.formats import FORMATS
from onconode.exchange.mapping import Mapping, Required, split


def declared(name: str) -> tuple[tuple[Mapping, ...], tuple[Required, ...]]:
    """The MAPPING and REQUIRED of the module that holds format `name`'s writer."""
    module = inspect.getmodule(FORMATS[name])
    return tuple(getattr(module, "MAPPING", ())), tuple(getattr(module, "REQUIRED", ()))


def coverage(con: duckdb.DuckDBPyConnection, relations: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per format, each required item's present and total row counts and share (%), over
    `relations` (a freeze's tables: exchange.patients.freeze_relations)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(FORMATS):
        items = []
        for req in declared(name)[1]:
            table, column = split(req.source)
            where = f'WHERE "{split(f"{table}.{req.among}")[1]}"' if req.among else ""
            total, present = con.execute(f'SELECT count(*), count("{column}") FROM ({relations[table]}) {where}').fetchone()
            items.append({"what": req.what, "source": req.source, "present": present, "total": total,
                          "share_pct": round(100 * present / total, 1) if total else None})
        out[name] = items
    return out


def render_coverage(cov: dict[str, list[dict[str, Any]]]) -> str:
    """Lines like 'OMOP: 98.0% of persons have a year of birth (1,960 of 2,000)'."""
    lines = []
    for name, items in cov.items():
        for i in items:
            share = "no rows" if i["share_pct"] is None else f"{i['share_pct']}%"
            lines.append(f"{name}: {share} — {i['what']} ({i['present']:,} of {i['total']:,}; {i['source']})")
    return "\n".join(lines)


def mapping_markdown(name: str) -> str:
    """docs/exchange/<name>.md: the format's mapping and required content, as the writer declares them."""
    mapping, required = declared(name)
    lines = [f"# Export `{name}`: mapping from the harmonized model", "",
             (f"Generated from `{inspect.getmodule(FORMATS[name]).__name__}` (MAPPING, REQUIRED) by "
              "`python -m onconode.exchange.docs docs/exchange`; do not edit by hand. "
              "How to run the export and what it cannot express: [../exchange.md](../exchange.md)."), "",
             "| model column | target element | code system | note |", "|---|---|---|---|"]
    lines += [f"| `{m.source}` | {m.target} | {m.system} | {m.note} |" for m in mapping]
    lines += ["", "## Required content (checked by `onconode quality`)", "",
              "| required | filled from |", "|---|---|"]
    lines += [f"| {r.what} | `{r.source}`{f' (rows where `{r.among}`)' if r.among else ''} |" for r in required]
    return "\n".join(lines) + "\n"
