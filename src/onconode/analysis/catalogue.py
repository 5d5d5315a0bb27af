"""The data catalogue: what a node holds, per dataset and freeze, for anyone to browse
before applying for access.

Per dataset: its title, description, consent (DUO codes with their labels), the licence
it needs, which data types are present, and counts — patients, samples, patients per
tumour type, samples (or patients) per data type. The counts are aggregates shown to
people without a licence, so they pass the disclosure gate like any analysis: small
counts are perturbed by the cell-key method (the same dataset always shows the same
figures), a perturbed 1..4 becomes "<5", and a dataset of fewer than 5 patients shows no
counts. The data dictionary comes from the model.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

import ibis

from onconode.analysis.disclosure import DisclosureRefused, Gate, Rules
from onconode.analysis.queries import Snapshot
from onconode.model.dictionary import data_dictionary_json
from onconode.model.duo import terms

ACCESS_PAGE = "/access"
# data type -> (table holding it, unit it is counted in)
DATA_TYPES: dict[str, tuple[str, str]] = {
    "tumour characteristics (purity, ploidy, TMB, MSI, HRD)": ("tumor_profile", "samples"),
    "somatic small variants": ("somatic_variant", "samples"),
    "copy number": ("gene_copy_number", "samples"),
    "structural variants": ("structural_variant", "samples"),
    "fusions": ("fusion", "samples"),
    "driver catalogue": ("driver", "samples"),
    "tissue of origin (CUPPA)": ("cuppa_prediction", "samples"),
    "HLA type (LILAC)": ("hla_allele", "samples"),
    "viruses (Virus Interpreter)": ("virus", "samples"),
    "mutational signatures (SIGS)": ("signature_allocation", "samples"),
    "telomere length (TEAL)": ("telomere_length", "samples"),
    "RNA expression (Isofox)": ("gene_expression", "samples"),
    "RNA fusions (Isofox)": ("rna_fusion", "samples"),
    "germline small variants (consent and approval needed)": ("germline_variant", "samples"),
    "pharmacogenomics (PEACH; germline, consent and approval needed)": ("pharmacogenomic_haplotype", "samples"),
    "sequencing QC (QSEE)": ("qc_metric", "samples"),
    "targeted-panel sequencing (counted only for its panel's genes)": ("sample_gene_panel", "samples"),
    "treatments": ("treatment", "patients"),
    "treatment responses (RECIST)": ("treatment_response", "patients"),
}


def newest_freeze(store: Any) -> str | None:
    """The most recent data freeze (what analyses read by default), or None before the first."""
    freezes = store.freezes()
    return freezes[-1].freeze_id if freezes else None


def choose_freeze(store: Any, requested: str | None, saved_on: Sequence[str | None] = ()) -> str | None:
    """The freeze an analysis reads: the one asked for, else the freeze of the first saved
    cohort it uses, else the newest freeze (None: the current store version)."""
    return requested or next((f for f in saved_on if f), None) or newest_freeze(store)


def freezes(store: Any) -> list[dict[str, Any]]:
    return [{"freeze_id": f.freeze_id, "version": f.version, "created_at": f.created_at.isoformat(timespec="seconds"),
             "description": f.description} for f in reversed(store.freezes())]


def consent_codes(consent_duo: str | None) -> list[dict[str, str]]:
    """The dataset's DUO codes with their shorthand and label (an unknown code is listed as given)."""
    known = terms()
    out = []
    for part in (consent_duo or "").split(","):
        code, _, modifier = part.strip().partition("=")
        if not code:
            continue
        t = known.get(code)
        out.append({"code": code, "shorthand": t.shorthand if t else "", "label": t.label if t else "unknown DUO code",
                    "modifier": modifier})
    return out


@dataclass(frozen=True)
class DatasetFigures:
    """A dataset's counts (disclosable: exact inside a licence, controlled outside), as
    the units counted, so each count has its cell key."""
    patient_ids: frozenset[str]
    sample_ids: frozenset[str]
    tumour_types: dict[str, frozenset[str]]              # patients per primary tumour location
    data_types: dict[str, tuple[str, frozenset[str]]]    # data type -> (unit, the units with it)

    def exact(self) -> dict[str, Any]:
        return {"analysis": "catalogue_counts", "patients": len(self.patient_ids), "samples": len(self.sample_ids),
                "tumour_types": {k: len(v) for k, v in self.tumour_types.items()},
                "data_types": [{"data_type": k, "unit": u, "count": len(n)} for k, (u, n) in self.data_types.items()]}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        return {"analysis": "catalogue_counts", "patients": rules.count_of(self.patient_ids),
                "samples": rules.count_of(self.sample_ids),
                "tumour_types": {k: rules.count_of(v, listed=True) for k, v in self.tumour_types.items()},
                "data_types": [{"data_type": k, "unit": u, "count": rules.count_of(n)} for k, (u, n) in self.data_types.items()]}


def _members(snap: Snapshot, dataset_id: str) -> tuple[ibis.Table, ibis.Table]:
    p = snap.table("patient")
    patients = p.filter(p.dataset_id == dataset_id).select("patient_id")
    s = snap.table("sample")
    return patients, s.semi_join(patients, "patient_id").select("sample_id", "patient_id", "primary_tumor_location")


def _ids(t: ibis.Table, column: str) -> frozenset[str]:
    return frozenset(t.select(column).to_pyarrow()[column].to_pylist())


def figures(snap: Snapshot, dataset_id: str) -> tuple[DatasetFigures, set[str]]:
    """The dataset's counts and the patients behind them."""
    patients, samples = _members(snap, dataset_id)
    patient_ids = set(patients.to_pyarrow()["patient_id"].to_pylist())
    df = samples.to_pyarrow().to_pandas()
    by_type = df.fillna({"primary_tumor_location": "unknown"}).groupby("primary_tumor_location").patient_id.agg(frozenset)
    tumour_types = dict(sorted(((str(k), v) for k, v in by_type.items()), key=lambda kv: (-len(kv[1]), kv[0])))
    data_types: dict[str, tuple[str, frozenset[str]]] = {}
    for label, (table, unit) in DATA_TYPES.items():
        t = snap.table(table)
        if unit == "samples":
            ids = _ids(samples.semi_join(t, "sample_id"), "sample_id")
        else:
            ids = _ids(patients.semi_join(t, "patient_id"), "patient_id")
        data_types[label] = (unit, ids)
    return DatasetFigures(frozenset(patient_ids), frozenset(df.sample_id), tumour_types, data_types), patient_ids


def datasets(snap: Snapshot) -> list[dict[str, Any]]:
    """The datasets' own descriptions (title, description, node, consent, licence), by id."""
    rows = snap.table("dataset").order_by("dataset_id").to_pyarrow().to_pylist()
    return [{"dataset_id": r["dataset_id"], "title": r["title"], "description": r.get("description") or "",
             "node": r.get("node") or "", "licence_type": r.get("licence_type") or "",
             "consent": consent_codes(r.get("consent_duo")), "access": ACCESS_PAGE} for r in rows]


class DatasetNotFound(LookupError):
    pass


def _released_figures(gate: Gate, user: str, snap: Snapshot, dataset_id: str) -> dict[str, Any]:
    fig, patients = figures(snap, dataset_id)
    try:
        return gate.release(user, snap, fig, {f"dataset {dataset_id}": patients})
    except DisclosureRefused as exc:
        return {"analysis": "catalogue_counts", "withheld": str(exc), "disclosure": "controlled"}


def sampling_period(snap: Snapshot, dataset_id: str) -> tuple[dt.date, dt.date] | None:
    """The months the dataset's samples were taken in, as (first day of the earliest month,
    last day of the latest month): the catalogue's temporal coverage. Whole months, so no
    patient's sampling date shows; None when no sample has a date."""
    _, samples = _members(snap, dataset_id)
    s = snap.table("sample").semi_join(samples, "sample_id")
    row = s.aggregate(first=s.sampling_date.min(), last=s.sampling_date.max()).to_pyarrow().to_pylist()[0]
    if row["first"] is None:
        return None
    first, last = row["first"], row["last"]
    return first.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


def overview(gate: Gate, user: str, snap: Snapshot) -> list[dict[str, Any]]:
    """Every dataset with its released counts (the catalogue's front page)."""
    return [dict(d, counts=_released_figures(gate, user, snap, d["dataset_id"])) for d in datasets(snap)]


def describe(gate: Gate, user: str, snap: Snapshot, dataset_id: str) -> dict[str, Any]:
    """One dataset in full: description, consent, counts, data types present, data dictionary."""
    found = [d for d in datasets(snap) if d["dataset_id"] == dataset_id]
    if not found:
        known = ", ".join(d["dataset_id"] for d in datasets(snap)) or "none"
        raise DatasetNotFound(f"no dataset {dataset_id!r} in this freeze (datasets: {known}); see /api/catalogue")
    out = dict(found[0], counts=_released_figures(gate, user, snap, dataset_id))
    counts = out["counts"]
    present = {d["data_type"] for d in counts.get("data_types", []) if d["count"] != 0}
    out["data_types_present"] = [k for k in DATA_TYPES if k in present]
    out["dictionary"] = data_dictionary_json()
    return out
