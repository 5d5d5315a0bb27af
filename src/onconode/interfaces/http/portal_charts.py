"""Vega-Lite specifications for the portal's plots, built from gate-released results.

Only presentation: every number comes from a result dict that already passed disclosure
control. A suppressed count ("<5") or a withheld share ("withheld") has no bar (its table
row shows the marker, and the page's legend says what it means); each spec gets
a description, which vega-embed puts on the SVG as its accessible text, and each page
shows the same numbers as a table next to the plot.
"""

from __future__ import annotations

import math
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
Spec = dict[str, Any]


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities (undefined CI bounds) become null, which JSON has."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _spec(description: str, **body: Any) -> Spec:
    return clean({"$schema": SCHEMA, "description": description, "width": "container", **body})


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def counts_bar(title: str, counts: dict[str, Any], what: str = "samples") -> Spec:
    """Horizontal bars of category counts, largest first."""
    values = [{"category": k, "n": _number(v), "label": str(v)} for k, v in counts.items()]
    listing = ", ".join(f"{v['category']} {v['label']}" for v in values)
    return _spec(f"{title}: {listing}",
                 title=title, data={"values": values}, mark={"type": "bar", "tooltip": True},
                 encoding={"y": {"field": "category", "type": "nominal", "sort": None, "title": None},
                           "x": {"field": "n", "type": "quantitative", "title": what}})


def histogram(title: str, bins: dict[str, Any], unit: str) -> Spec:
    values = [{"bin": k, "n": _number(v), "label": str(v)} for k, v in bins.items()]
    listing = ", ".join(f"{v['bin']}: {v['label']}" for v in values)
    return _spec(f"{title} histogram: {listing}",
                 title=title, data={"values": values}, mark={"type": "bar", "tooltip": True},
                 encoding={"x": {"field": "bin", "type": "ordinal", "sort": None, "title": unit},
                           "y": {"field": "n", "type": "quantitative", "title": "samples"}})


def frequency_bars(rows: list[dict[str, Any]], limit: int = 30) -> Spec:
    values = [{"gene": r["gene"], "kind": r["kind"], "percent": None if _number(r["frequency"]) is None else 100 * r["frequency"],
               "altered": str(r["altered"]), "profiled": str(r["profiled"])} for r in rows[:limit]]
    return _spec("Alteration frequency per gene (percent of profiled samples): "
                 + ", ".join(f"{v['gene']} {v['kind']} {v['altered']}/{v['profiled']}" for v in values),
                 title="Alteration frequency", data={"values": values}, mark={"type": "bar", "tooltip": True},
                 encoding={"y": {"field": "gene", "type": "nominal", "sort": "-x", "title": None},
                           "x": {"field": "percent", "type": "quantitative", "title": "% of profiled samples"},
                           "color": {"field": "kind", "type": "nominal", "title": "alteration"}})


def oncoprint(result: dict[str, Any]) -> Spec:
    """Genes × samples (licensed) or genes × alteration patterns (controlled, width = samples)."""
    values: list[dict[str, Any]] = []
    if "matrix" in result:
        for i, row in enumerate(result["matrix"]):
            for g in result["genes"]:
                labels = row["alterations"].get(g, [])
                values.append({"column": i, "id": row["sample_id"], "gene": g, "alteration": "+".join(labels) or "none", "width": 1})
        x_title = "samples"
    else:
        start = 0
        for i, p in enumerate(result["patterns"]):
            for g in result["genes"]:
                values.append({"column": start, "end": start + p["samples"], "id": f"pattern {i + 1} ({p['samples']} samples)",
                               "gene": g, "alteration": p["pattern"][g] or "none"})
            start += p["samples"]
        x_title = "samples, grouped by alteration pattern (patterns of fewer than 5 samples pooled, not shown)"
    enc: dict[str, Any] = {"y": {"field": "gene", "type": "nominal", "sort": result["genes"], "title": None},
                           "color": {"condition": {"test": "datum.alteration === 'none'", "value": "#e6e6e6"},
                                     "field": "alteration", "type": "nominal",
                                     "legend": {"values": sorted({v["alteration"] for v in values} - {"none"})}},
                           "tooltip": [{"field": "id"}, {"field": "gene"}, {"field": "alteration"}]}
    if "matrix" in result:
        enc["x"] = {"field": "column", "type": "ordinal", "axis": None, "title": x_title}
    else:
        enc["x"] = {"field": "column", "type": "quantitative", "title": x_title}
        enc["x2"] = {"field": "end"}
    return _spec(f"OncoPrint of {', '.join(result['genes'])}; altered samples per gene: "
                 + ", ".join(f"{g} {n}" for g, n in result.get("altered_per_gene", {}).items()),
                 title="OncoPrint", data={"values": values}, mark={"type": "rect", "stroke": "white"}, encoding=enc)


def compare_bars(result: dict[str, Any], limit: int = 15) -> Spec:
    values = []
    for r in result["alterations"][:limit]:
        for g, a, p in zip(result["groups"], r["altered"], r["profiled"]):
            pct = 100 * a / p if isinstance(a, int) and isinstance(p, int) and p else None
            values.append({"gene": r["gene"], "group": g, "percent": pct, "label": f"{a}/{p}"})
    return _spec("Percent altered per group for the most significant genes: "
                 + "; ".join(f"{v['gene']} {v['group']} {v['label']}" for v in values),
                 title="Alterations by group (most significant first)", data={"values": values},
                 mark={"type": "bar", "tooltip": True},
                 encoding={"y": {"field": "gene", "type": "nominal", "sort": None, "title": None},
                           "yOffset": {"field": "group"}, "x": {"field": "percent", "type": "quantitative", "title": "% altered"},
                           "color": {"field": "group", "type": "nominal"}})


def response_bars(orr: list[dict[str, Any]]) -> Spec:
    values = [{"group": o["group"], "orr": 100 * (o["orr"] or 0), "low": 100 * (o["ci_low"] or 0), "high": 100 * (o["ci_high"] or 0),
               "label": f"{o['responders']}/{o['evaluable']}"} for o in orr]
    return _spec("Objective response rate with 95% CI: " + ", ".join(f"{v['group']} {v['orr']:.0f}% ({v['label']})" for v in values),
                 title="Objective response rate (CR+PR)", data={"values": values},
                 encoding={"x": {"field": "group", "type": "nominal", "title": None, "sort": None, "axis": {"labelAngle": 0}}},
                 layer=[{"mark": {"type": "bar", "tooltip": True}, "encoding": {"y": {"field": "orr", "type": "quantitative",
                                                                                       "title": "ORR %", "scale": {"domain": [0, 100]}}}},
                        {"mark": "rule", "encoding": {"y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}}])


def kaplan_meier(result: dict[str, Any]) -> Spec:
    values = []
    for c in result["curves"]:
        values.append({"group": c["group"], "time": 0, "survival": 1.0, "ci_low": 1.0, "ci_high": 1.0})
        for s in c["steps"]:
            values.append({"group": c["group"], "time": s["time"], "survival": s["survival"], "ci_low": s["ci_low"], "ci_high": s["ci_high"]})
    medians = ", ".join(f"{c['group']}: median {c['median_days'] or 'not reached'} days" for c in result["curves"])
    if result.get("median_note"):
        medians += f" ({result['median_note']})"
    x = {"field": "time", "type": "quantitative", "title": "days"}
    return _spec(f"Kaplan-Meier curves of {result['endpoint']} with 95% confidence bands; {medians}",
                 title=f"Kaplan–Meier: {result['endpoint']}", data={"values": values},
                 layer=[{"mark": {"type": "area", "interpolate": "step-after", "opacity": 0.2},
                         "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"},
                                      "color": {"field": "group", "type": "nominal"}}},
                        {"mark": {"type": "line", "interpolate": "step-after", "tooltip": True},
                         "encoding": {"x": x, "y": {"field": "survival", "type": "quantitative", "title": "survival probability",
                                                    "scale": {"domain": [0, 1]}},
                                      "color": {"field": "group", "type": "nominal"}}}])


def forest(terms: list[dict[str, Any]], effect: str = "hazard_ratio") -> Spec:
    values = [{"term": t["term"], "estimate": t[effect], "low": t["ci_low"], "high": t["ci_high"]} for t in terms]
    title = "hazard ratio" if effect == "hazard_ratio" else "odds ratio"
    return _spec(f"Forest plot ({title}, 95% CI, log scale): " + ", ".join(f"{v['term']} {v['estimate']:.2f}" for v in values),
                 title=f"Forest plot ({title})", data={"values": values},
                 encoding={"y": {"field": "term", "type": "nominal", "sort": None, "title": None}},
                 layer=[{"mark": "rule", "encoding": {"x": {"field": "low", "type": "quantitative", "scale": {"type": "log"},
                                                            "title": f"{title} (log scale)"}, "x2": {"field": "high"}}},
                        {"mark": {"type": "point", "filled": True, "size": 80, "tooltip": True},
                         "encoding": {"x": {"field": "estimate", "type": "quantitative"}}},
                        {"mark": {"type": "rule", "strokeDash": [4, 4]}, "data": {"values": [{"one": 1}]},
                         "encoding": {"x": {"field": "one", "type": "quantitative"}, "y": None}}])


def swimmer(result: dict[str, Any]) -> Spec:
    values = [{"patient": lane["patient_id"], "line": ln["line"], "regimen": ln["regimen"] or "regimen not recorded", "start": ln["start"],
               "end": ln["end"] if ln["end"] is not None else ln["start"], "best_response": ln["best_response"] or "none"}
              for lane in result["lanes"] for ln in lane["lines"]]
    return _spec(f"Swimmer plot of {len(result['lanes'])} patients' treatment lines (days from first biopsy)",
                 title="Treatment lines", data={"values": values}, height={"step": 14},
                 encoding={"y": {"field": "patient", "type": "nominal", "title": None}},
                 layer=[{"mark": {"type": "bar", "tooltip": True},
                         "encoding": {"x": {"field": "start", "type": "quantitative", "title": "days from first biopsy"},
                                      "x2": {"field": "end"}, "color": {"field": "regimen", "type": "nominal"}}},
                        {"mark": {"type": "point", "filled": True, "tooltip": True},
                         "encoding": {"x": {"field": "end", "type": "quantitative"},
                                      "shape": {"field": "best_response", "type": "nominal", "title": "best response"}}}])
