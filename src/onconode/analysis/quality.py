"""The data-quality report a data manager works through after each ingest or before a freeze.

It answers "what is missing, what failed QC, what did curation not understand, and where
did it come from": every finding is counted overall and broken down per hospital and per
month of arrival, because that is how a data manager chases fixes (a hospital's export,
a month's batch). Everything is computed on one version (a freeze or now).

Clinical tables are small (one row per patient, sample, treatment...), so they are read
into Python once and grouped there; genomic tables are only asked which samples they
hold, on the store's engine.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

import ibis

from onconode.analysis.versions import UNKNOWN, purple_versions, sample_tmb_definitions, version_counts
from onconode.model import TABLES, TABLES_BY_NAME
from onconode.store.store import Store

CLINICAL_TABLES = ("patient", "sample", "treatment", "treatment_drug", "treatment_response", "consent")
MAX_EXAMPLES = 20
NO_HOSPITAL = "(no hospital)"
NO_CLINICAL = "(no clinical record)"
NO_MONTH = "(unknown)"
# The counts in every per-hospital / per-month row, in the order they are shown.
# Sample fields that only a haematological sample has: a solid tumour's sample is not
# incomplete without them, so the per-group field completeness does not count them.
HAEMATOLOGICAL_ONLY = ("haematological_diagnosis", "haematological_diagnosis_code", "eln_risk")
GROUP_FIELDS = (
    "patients", "samples", "field_completeness_pct", "qc_pass", "qc_assessed", "unmapped_tumor_locations",
    "unmapped_drugs", "responses_without_treatment", "clinical_samples_without_genomic",
    "genomic_samples_without_clinical", "patients_without_consent", "GRCh37", "GRCh38",
)


def _rows(snap: Any, table: str) -> list[dict[str, Any]]:
    return snap.table(table).to_pyarrow().to_pylist()


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _month(*dates: dt.date | None) -> str:
    for d in dates:
        if d is not None:
            return d.strftime("%Y-%m")
    return NO_MONTH


def _quantiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "min": None, "p25": None, "median": None, "p75": None, "max": None}
    v = sorted(values)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return {"n": len(v), "min": v[0], "p25": round(q[0], 4), "median": round(q[1], 4), "p75": round(q[2], 4), "max": v[-1]}


def _genomic_sample_ids(snap: Any) -> set[str]:
    """Samples with any genomic rows (tumour profile, variants, copy number, SVs, drivers)."""
    parts = [snap.table(t.name).select("sample_id").distinct() for t in TABLES if t.owner == "sample_id"]
    return {r["sample_id"] for r in ibis.union(*parts, distinct=True).to_pyarrow().to_pylist()}


def _completeness(rows: list[dict[str, Any]], table: str) -> dict[str, Any]:
    names = TABLES_BY_NAME[table].column_names
    return {
        "rows": len(rows),
        "fields": {c: _pct(sum(_filled(r.get(c)) for r in rows), len(rows)) for c in names},
    }


class _Groups:
    """Counters per hospital and per month of arrival."""

    def __init__(self) -> None:
        self.by_hospital: dict[str, Counter] = defaultdict(Counter)
        self.by_month: dict[str, Counter] = defaultdict(Counter)
        self.filled: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, hospital: str, month: str, field: str, n: int = 1) -> None:
        self.by_hospital[hospital][field] += n
        self.by_month[month][field] += n

    def add_fields(self, hospital: str, month: str, filled: int, total: int) -> None:
        for key in (("h", hospital), ("m", month)):
            self.filled[key][0] += filled
            self.filled[key][1] += total

    def table(self, which: str) -> dict[str, dict[str, Any]]:
        counters = self.by_hospital if which == "h" else self.by_month
        out = {}
        for key in sorted(counters):
            row = {f: counters[key].get(f, 0) for f in GROUP_FIELDS}
            filled, total = self.filled.get((which, key), (0, 0))
            row["field_completeness_pct"] = _pct(filled, total)
            row["qc_pass_rate_pct"] = _pct(row["qc_pass"], row["qc_assessed"])
            out[key] = row
        return out


def quality_report(store: Store, freeze: str | None = None) -> dict[str, Any]:
    """The data-quality report of the store at `freeze` (default: now), as plain data."""
    snap = store.snapshot(freeze)
    t = {name: _rows(snap, name) for name in CLINICAL_TABLES}
    profiles = _rows(snap, "tumor_profile")
    genomic = _genomic_sample_ids(snap)

    patients = {p["patient_id"]: p for p in t["patient"]}
    first_arrival: dict[str, dt.date] = {}
    for s in t["sample"]:
        if s["arrival_date"] is not None:
            pid = s["patient_id"]
            first_arrival[pid] = min(first_arrival.get(pid, s["arrival_date"]), s["arrival_date"])

    def patient_keys(pid: str) -> tuple[str, str]:
        p = patients.get(pid, {})
        return p.get("hospital_code") or NO_HOSPITAL, _month(first_arrival.get(pid), p.get("registration_date"))

    sample_keys: dict[str, tuple[str, str]] = {}
    for s in t["sample"]:
        p = patients.get(s["patient_id"], {})
        sample_keys[s["sample_id"]] = (p.get("hospital_code") or NO_HOSPITAL, _month(s["arrival_date"], p.get("registration_date")))

    g = _Groups()
    patient_fields = TABLES_BY_NAME["patient"].column_names
    sample_fields = [c for c in TABLES_BY_NAME["sample"].column_names if c not in HAEMATOLOGICAL_ONLY]
    for pid, p in patients.items():
        g.add(*patient_keys(pid), "patients")
        g.add_fields(*patient_keys(pid), sum(_filled(p[c]) for c in patient_fields), len(patient_fields))
    for s in t["sample"]:
        g.add(*sample_keys[s["sample_id"]], "samples")
        g.add_fields(*sample_keys[s["sample_id"]], sum(_filled(s[c]) for c in sample_fields), len(sample_fields))

    # QC, purity, depth, reference genomes: per sequenced sample.
    qc_flags: Counter = Counter()
    for tp in profiles:
        keys = sample_keys.get(tp["sample_id"], (NO_CLINICAL, NO_MONTH))
        g.add(*keys, tp["ref_genome"])
        if _filled(tp["qc_status"]):
            g.add(*keys, "qc_assessed")
            flags = [f.strip() for f in tp["qc_status"].split(",") if f.strip()]
            qc_flags.update(flags)
            if flags == ["PASS"]:
                g.add(*keys, "qc_pass")
    assessed = sum(1 for tp in profiles if _filled(tp["qc_status"]))
    passed = sum(1 for tp in profiles if _filled(tp["qc_status"]) and tp["qc_status"].strip() == "PASS")
    genomes = Counter(tp["ref_genome"] for tp in profiles)

    # Curation findings.
    unmapped_locations: Counter = Counter()
    for s in t["sample"]:
        if s["primary_tumor_curated"] is False:
            unmapped_locations[s["primary_tumor_location"] or ""] += 1
            g.add(*sample_keys[s["sample_id"]], "unmapped_tumor_locations")
    unmapped_drugs: Counter = Counter()
    for d in t["treatment_drug"]:
        if d["curated"] is False:
            unmapped_drugs[d["drug"]] += 1
            g.add(*patient_keys(d["patient_id"]), "unmapped_drugs")
    treatment_ids = {tr["treatment_id"] for tr in t["treatment"]}
    orphan_responses = [r for r in t["treatment_response"] if r["treatment_id"] not in treatment_ids]
    for r in orphan_responses:
        g.add(*patient_keys(r["patient_id"]), "responses_without_treatment")
    # A sample registered by a genomic ingest has a sample row but no clinical data until its patient arrives.
    clinical_ids = {s["sample_id"] for s in t["sample"] if s["patient_id"] in patients}
    without_genomic = sorted(clinical_ids - genomic)
    for sid in without_genomic:
        g.add(*sample_keys[sid], "clinical_samples_without_genomic")
    without_clinical = sorted(genomic - clinical_ids)
    for _ in without_clinical:
        g.add(NO_CLINICAL, NO_MONTH, "genomic_samples_without_clinical")
    consented = {c["patient_id"] for c in t["consent"]}
    without_consent = sorted(set(patients) - consented)
    for pid in without_consent:
        g.add(*patient_keys(pid), "patients_without_consent")

    return {
        "version": snap.version,
        "freeze": freeze,
        "totals": {"patients": len(patients), "samples": len(t["sample"]), "sequenced_samples": len(profiles)},
        "completeness": {name: _completeness(t[name], name) for name in CLINICAL_TABLES},
        "qc": {
            "assessed": assessed,
            "pass": passed,
            "pass_rate_pct": _pct(passed, assessed),
            "not_assessed": len(profiles) - assessed,
            "flags": dict(qc_flags.most_common()),
        },
        "purity": _quantiles([tp["purity"] for tp in profiles if tp["purity"] is not None]),
        "mean_depth": _quantiles([tp["mean_depth"] for tp in profiles if tp["mean_depth"] is not None]),
        "curation": {
            "unmapped_tumor_locations": [{"text": k, "samples": n} for k, n in _ranked(unmapped_locations)],
            "unmapped_drugs": [{"drug": k, "rows": n} for k, n in _ranked(unmapped_drugs)],
            "responses_without_treatment": _finding(
                [f"{r['patient_id']} / {r['treatment_id']} ({r['response_date']})" for r in orphan_responses]
            ),
            "genomic_samples_without_clinical": _finding(without_clinical),
            "clinical_samples_without_genomic": _finding(without_genomic),
            "patients_without_consent": _finding(without_consent),
            "reference_genomes": dict(sorted(genomes.items())),
            "mixed_reference_genomes": len(genomes) > 1,
        },
        "by_hospital": g.table("h"),
        "by_month": g.table("m"),
        "versions": _versions(snap, genomic),
    }


def _versions(snap: Any, genomic: set[str]) -> dict[str, Any]:
    """Samples per tool version, and per TMB/TML definition (PURPLE 4.4 changed it)."""
    purple = purple_versions(snap)
    definitions = Counter(sample_tmb_definitions(snap, genomic).values())
    known = [d for d in definitions if d != UNKNOWN]
    return {
        "tools": version_counts(snap),
        "tmb_definitions": dict(sorted(definitions.items())),
        "mixed_tmb_definitions": len(known) > 1,
        "samples_without_versions": _finding(sorted(genomic - set(purple))),
    }


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _finding(items: list[str]) -> dict[str, Any]:
    return {"count": len(items), "examples": items[:MAX_EXAMPLES]}


# -- plain-text rendering -----------------------------------------------------------------
def _table(headers: list[str], rows: list[list[Any]]) -> str:
    """Numbers right-aligned, text left-aligned, columns two spaces apart."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and i > 0 for i in range(len(headers))]

    def line(vals: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


SHORT = {
    "field_completeness_pct": "complete%", "qc_pass_rate_pct": "QC pass%", "unmapped_tumor_locations": "unmapped loc",
    "unmapped_drugs": "unmapped drug", "responses_without_treatment": "resp w/o treat",
    "clinical_samples_without_genomic": "no genomic", "genomic_samples_without_clinical": "no clinical",
    "patients_without_consent": "no consent",
}
BREAKDOWN = ("patients", "samples", "field_completeness_pct", "qc_pass_rate_pct", "unmapped_tumor_locations",
             "unmapped_drugs", "responses_without_treatment", "clinical_samples_without_genomic",
             "genomic_samples_without_clinical", "patients_without_consent", "GRCh37", "GRCh38")


def render_text(report: dict[str, Any]) -> str:
    """The report as plain-text sections, most actionable findings first."""
    tot, qc, cur = report["totals"], report["qc"], report["curation"]
    where = f"freeze {report['freeze']} (store version {report['version']})" if report["freeze"] else f"store version {report['version']}"
    out = [
        f"Data quality of {where}",
        f"{tot['patients']} patients, {tot['samples']} samples, {tot['sequenced_samples']} sequenced samples",
        "",
        "Findings to act on",
        _table(["finding", "count", "examples"], [
            ["unmapped tumour locations (samples)", sum(x["samples"] for x in cur["unmapped_tumor_locations"]),
             ", ".join(f"{x['text']!r} x{x['samples']}" for x in cur["unmapped_tumor_locations"][:5])],
            ["unmapped drugs (rows)", sum(x["rows"] for x in cur["unmapped_drugs"]),
             ", ".join(f"{x['drug']!r} x{x['rows']}" for x in cur["unmapped_drugs"][:5])],
            *[[label, cur[key]["count"], ", ".join(cur[key]["examples"][:5])] for key, label in (
                ("responses_without_treatment", "responses without a treatment"),
                ("genomic_samples_without_clinical", "genomic data without a clinical record"),
                ("clinical_samples_without_genomic", "clinical samples without genomic data"),
                ("patients_without_consent", "patients without consent rows"),
            )],
            ["mixed reference genomes", "yes" if cur["mixed_reference_genomes"] else "no",
             ", ".join(f"{k}: {v}" for k, v in cur["reference_genomes"].items())],
            ["mixed TMB/TML definitions (PURPLE 4.4 raised the VAF floor)",
             "yes" if report["versions"]["mixed_tmb_definitions"] else "no",
             "; ".join(f"{k}: {v}" for k, v in report["versions"]["tmb_definitions"].items())],
        ]),
        "",
        f"QC: {qc['pass']} of {qc['assessed']} assessed samples PASS ({qc['pass_rate_pct']}%); "
        f"{qc['not_assessed']} without a QC status",
    ]
    if qc["flags"]:
        out.append(_table(["QC flag", "samples"], [[k, v] for k, v in qc["flags"].items()]))
    tools = report["versions"]["tools"]
    out += ["", "Pipeline and tool versions (samples per version; `tool_version` table)"]
    out.append(_table(["tool", "versions"], [[t, ", ".join(f"{v}: {n}" for v, n in vs.items())] for t, vs in tools.items()])
               if tools else "no sample has version information")
    out += ["", _table(["distribution", "n", "min", "p25", "median", "p75", "max"], [
        [name] + [report[name][k] for k in ("n", "min", "p25", "median", "p75", "max")] for name in ("purity", "mean_depth")
    ])]
    gaps = [
        [table, c["rows"], field, pct]
        for table, c in report["completeness"].items()
        for field, pct in c["fields"].items()
        if pct is not None and pct < 100.0
    ]
    empty = [table for table, c in report["completeness"].items() if not c["rows"]]
    out += ["", "Completeness: clinical fields not always filled (--json lists every field)"]
    out.append(_table(["table", "rows", "field", "filled%"], gaps) if gaps else "every field of every row is filled")
    if empty:
        out.append("no rows at all: " + ", ".join(empty))
    for key, title in (("by_hospital", "hospital"), ("by_month", "month of arrival")):
        out += ["", f"Per {title}", _table(
            [title] + [SHORT.get(f, f) for f in BREAKDOWN],
            [[k] + [row[f] for f in BREAKDOWN] for k, row in report[key].items()],
        )]
    return "\n".join(out) + "\n"
