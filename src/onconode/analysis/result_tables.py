"""Released analysis results as flat tables: what a TSV download, a CLI table and a
spreadsheet need.

The analyses return nested JSON (`service.py`, after the disclosure gate). Interfaces that
show rows and columns — the REST API's `?format=tsv`, the CLI's rich tables — take them
from here, so a figure has one tabular form everywhere. Only already-released dicts come
in; nothing here can see more than the gate let through. Suppressed cells stay `<5`, and a
withheld statistic stays its explanation.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class ResultTable:
    name: str
    columns: list[str]
    rows: list[list[Any]]

    def tsv(self) -> str:
        """Tab-separated, header first; None is an empty cell, floats keep full precision."""
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="\t", lineterminator="\n")
        w.writerow(self.columns)
        w.writerows([[cell_text(v) for v in row] for row in self.rows])
        return buf.getvalue()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(cell_text(v) for v in value)
    return str(value)


def _count(r: dict[str, Any]) -> list[ResultTable]:
    return [ResultTable("count", ["label", "patients", "samples"], [[r["label"], r["patients"], r["samples"]]])]


def _summary(r: dict[str, Any]) -> list[ResultTable]:
    counts = [[attr, value, n] for attr, values in r["counts"].items() for value, n in values.items()]
    bins = [[m, b, n] for m, d in r["distributions"].items() for b, n in d["bins"].items()]
    stats = [[m, d["n"], *(d.get(k) for k in ("mean", "q1", "median", "q3"))] for m, d in r["distributions"].items()]
    return [ResultTable("counts", ["attribute", "value", "count"], counts),
            ResultTable("distribution_bins", ["measure", "bin", "count"], bins),
            ResultTable("distribution_stats", ["measure", "n", "mean", "q1", "median", "q3"], stats)]


def _frequency(r: dict[str, Any]) -> list[ResultTable]:
    cols = ["gene", "kind", "altered", "profiled", "frequency"]
    return [ResultTable("frequency", cols, [[row[c] for c in cols] for row in r["rows"]])]


def _oncoprint(r: dict[str, Any]) -> list[ResultTable]:
    genes = r["genes"]
    per_gene = ResultTable("altered_per_gene", ["gene", "altered"], [[g, n] for g, n in r.get("altered_per_gene", {}).items()])
    if "matrix" in r:  # exact (licensed): one row per sample
        rows = [[m["sample_id"], *(m["alterations"].get(g, []) for g in genes)] for m in r["matrix"]]
        return [ResultTable("matrix", ["sample_id", *genes], rows)]
    rows = [[*("altered" if p["pattern"][g] else "" for g in genes), p["samples"]] for p in r["patterns"]]
    rows.append([*(["(other patterns)"] + [""] * (len(genes) - 1)), r["other_patterns_samples"]])
    return [ResultTable("patterns", [*genes, "samples"], rows), per_gene]


def _compare(r: dict[str, Any]) -> list[ResultTable]:
    g = r["groups"]
    alt_cols = ["gene", "kind", "test", *(f"altered[{n}]" for n in g), *(f"profiled[{n}]" for n in g), "p", "q"]
    alts = [[a["gene"], a["kind"], a["test"], *a["altered"], *a["profiled"], a["p"], a["q"]] for a in r["alterations"]]
    cats = [[c["attribute"], v, *counts, c["p"]] for c in r["categorical"] for v, counts in c["counts"].items()]
    nums = [[x["attribute"], x["test"], *(grp.get(k) for grp in x["groups"] for k in ("n", "median", "q1", "q3")), x["p"]]
            for x in r["numeric"]]
    num_cols = ["attribute", "test", *(f"{k}[{n}]" for n in g for k in ("n", "median", "q1", "q3")), "p"]
    return [ResultTable("alterations", alt_cols, alts),
            ResultTable("categorical", ["attribute", "value", *(f"count[{n}]" for n in g), "p"], cats),
            ResultTable("numeric", num_cols, nums)]


def _withheld(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _response(r: dict[str, Any]) -> list[ResultTable]:
    table = ResultTable("response", ["group", *r["columns"]], [[name, *cells] for name, cells in zip(r["rows"], r["table"])])
    out = [table]
    if not _withheld(r["orr"]):
        cols = ["group", "responders", "evaluable", "orr", "ci_low", "ci_high"]
        out.append(ResultTable("orr", cols, [[o[c] for c in cols] for o in r["orr"]]))
    stats: list[list[Any]] = [["fisher_p", r["fisher_p"]]]  # a float, or the reason it is withheld
    if isinstance(r["odds_ratio"], dict):
        stats += [[f"odds_ratio.{k}", v] for k, v in r["odds_ratio"].items()]
    else:
        stats.append(["odds_ratio", r["odds_ratio"]])
    stats.append(["not_evaluable", r["not_evaluable"]])
    out.append(ResultTable("statistics", ["statistic", "value"], stats))
    out.extend(_terms("regression", r.get("regression"), ["term", "odds_ratio", "ci_low", "ci_high", "p"]))
    return out


def _terms(name: str, model: dict[str, Any] | None, cols: list[str]) -> list[ResultTable]:
    if not model or "terms" not in model:
        return []
    return [ResultTable(name, cols, [[t.get(c) for c in cols] for t in model["terms"]])]


def _survival(r: dict[str, Any]) -> list[ResultTable]:
    summary = [[c["group"], c["patients"], c["events"], c["median_days"]] for c in r["curves"]]
    steps = [[c["group"], s["time"], s["at_risk"], s["events"], s["survival"], s["ci_low"], s["ci_high"]]
             for c in r["curves"] for s in c["steps"]]
    out = [ResultTable("curves", ["group", "time_days", "at_risk", "events", "survival", "ci_low", "ci_high"], steps),
           ResultTable("groups", ["group", "patients", "events", "median_days"], summary)]
    if r.get("logrank"):
        out.append(ResultTable("logrank", ["statistic", "df", "p"], [[r["logrank"]["statistic"], r["logrank"]["df"], r["logrank"]["p"]]]))
    out.extend(_terms("cox", r.get("cox"), ["term", "hazard_ratio", "ci_low", "ci_high", "p", "ph_test_p"]))
    return out


TABLES: dict[str, Callable[[dict[str, Any]], list[ResultTable]]] = {
    "count": _count, "cohort_summary": _summary, "alteration_frequency": _frequency, "oncoprint": _oncoprint,
    "group_comparison": _compare, "biomarker_response": _response, "survival": _survival,
}


def tables(result: dict[str, Any]) -> list[ResultTable]:
    """The tables of a released result, the main one first."""
    kind = result.get("analysis")
    if kind not in TABLES:
        raise ValueError(f"no tabular form for analysis {kind!r}; known: {', '.join(TABLES)}")
    return TABLES[kind](result)


def table(result: dict[str, Any], name: str | None = None) -> ResultTable:
    """One table of a result by name (default: the main one); the error lists the names."""
    found = tables(result)
    if name is None:
        return found[0]
    for t in found:
        if t.name == name:
            return t
    raise ValueError(f"this {result['analysis']} result has no table {name!r}; choose one of {', '.join(t.name for t in found)}")
