"""cBioPortal clinical attributes → the model's patient, sample and tumour-profile fields.

cBioPortal has no dates, only months and days after day 0 (diagnosis); day 0 is placed
on common.ANCHOR_DATE so that survival computed from our dates equals cBioPortal's
OS_MONTHS. Every mapping is listed in docs/ingest-cbioportal.md.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from onconode.ingest.cbioportal.clinical import LEGACY_STATUS, ClinicalFile, ClinicalRow, survival_pairs, survival_status
from onconode.ingest.cbioportal.common import ANCHOR_DATE, months_after_anchor, number
from onconode.ingest.cbioportal.oncotree import curate
from onconode.ingest.curation import default_tumor_table
from onconode.ingest.problems import Problems
from onconode.ingest.values import BadValue, coerce
from onconode.model.tables import PATIENT, TUMOR_PROFILE

SEX = {"male": "male", "m": "male", "female": "female", "f": "female", "other": "other", "unknown": "unknown",
       "not reported": "unknown", "unspecified": "unknown"}
MSI_STATUS = {"msi": "MSI", "msi-h": "MSI", "msi-high": "MSI", "instable": "MSI", "unstable": "MSI",
              "mss": "MSS", "stable": "MSS", "msi-l": "MSS", "msi-low": "MSS",
              "indeterminate": "UNKNOWN", "do not report": "UNKNOWN", "unknown": "UNKNOWN"}
MSI_STATUS_COLUMNS = ("MSI_STATUS", "MSI_TYPE", "MSI_SENSOR_STATUS")
# MSIsensor score (% unstable sites): MSK's cut-offs, >= 10 MSI-high, < 3 stable.
MSI_SCORE_HIGH, MSI_SCORE_STABLE = 10.0, 3.0
TMB_HIGH = 10.0  # per Mb, as tumor_profile.tmb_status defines HIGH


@dataclass
class Harmonized:
    patients: list[dict] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    profiles: dict[str, dict] = field(default_factory=dict)  # sample → tumour-profile fields from clinical data
    endpoints: list[dict] = field(default_factory=list)       # survival_endpoint rows: every <PREFIX>_MONTHS/_STATUS pair
    patient_of: dict[str, str] = field(default_factory=dict)


class _Notes:
    """Repeated warnings become one line with a count, so they never crowd out errors."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.first: dict[tuple[str, str, str], int] = {}

    def add(self, file: str, line: int, column: str, message: str) -> None:
        key = (file, column, message)
        self.counts[key] += 1
        self.first.setdefault(key, line)

    def flush(self, problems: Problems) -> None:
        for (file, column, message), n in self.counts.items():
            more = f" ({n} rows, first shown)" if n > 1 else ""
            problems.warning(file, self.first[file, column, message], column, message + more)


def _typed(value: Any, column_table, column: str, file: str, row: ClinicalRow, attr: str, problems: Problems) -> Any:
    try:
        return coerce(value, column_table.column(column))
    except BadValue as exc:
        problems.error(file, row.line, attr, f"{exc} (for {column_table.name}.{column})")
        return None


def _patient(pid: str, values: dict[str, tuple[ClinicalRow, str]], dataset_id: str, pairs: list[str], endpoints: list[dict],
             problems: Problems, notes: _Notes) -> dict:
    row: dict[str, Any] = {"patient_id": pid, "dataset_id": dataset_id, "diagnosis_date": ANCHOR_DATE}

    def cell(attr: str) -> tuple[ClinicalRow, str, str | None]:
        source, file = values.get(attr, (None, ""))
        return source, file, source.get(attr) if source else None

    for attr in ("SEX", "GENDER"):
        source, file, raw = cell(attr)
        if raw is not None:
            sex = SEX.get(raw.lower())
            if sex is None:
                notes.add(file, source.line, attr, f"sex {raw!r} is not male, female, other or unknown; it is not stored")
            row["sex"] = sex
            break
    source, file, raw = cell("AGE")
    if raw is not None:
        age = _number(file, source, "AGE", raw, notes)
        if age is not None:
            # AGE is the age at day 0: born floor(AGE) + 1 years before the anchor's year (a 60-year-old on 2000-01-01 was born in 1939).
            row["birth_year"] = _typed(ANCHOR_DATE.year - math.floor(age) - 1, PATIENT, "birth_year", file, source, "AGE", problems)
    for endpoint in pairs:
        given = _endpoint(pid, endpoint, cell, problems, notes)
        if given is None:
            continue
        endpoints.append(given)
        if endpoint == "OS":   # the dates survival is otherwise derived from (docs/ingest-cbioportal.md)
            row["death_date" if given["event"] else "last_follow_up_date"] = months_after_anchor(given["months"])
    return row


def _endpoint(pid: str, endpoint: str, cell, problems: Problems, notes: _Notes) -> dict | None:
    """The patient's `<endpoint>_MONTHS` / `_STATUS` as a survival_endpoint row, or None
    (with a counted warning when only one of the two is there)."""
    status_attr, months_attr = endpoint + "_STATUS", endpoint + "_MONTHS"
    status_src, status_file, raw_status = cell(status_attr)
    months_src, months_file, months_raw = cell(months_attr)
    if raw_status is None and months_raw is None:
        return None
    if raw_status is None or months_raw is None:
        missing, src, file = (months_attr, status_src, status_file) if months_raw is None else (status_attr, months_src, months_file)
        notes.add(file, src.line, missing, f"patient(s) have {status_attr if missing == months_attr else months_attr} "
                  f"but no {missing}: no {endpoint} endpoint is stored for them")
        return None
    months = _number(months_file, months_src, months_attr, months_raw, notes)
    status = survival_status(status_attr, raw_status)
    if months is None or status is None:
        return None   # a bad number or status is an error of the clinical reader already
    if months < 0:
        problems.error(months_file, months_src.line, months_attr, f"{months_attr} {months_raw} is negative",
                       "survival months count forward from the endpoint's anchor (diagnosis, treatment start ...)")
        return None
    if raw_status in LEGACY_STATUS.get(status_attr, {}):
        notes.add(status_file, status_src.line, status_attr,
                  f"{status_attr} without the 0:/1: prefix (e.g. {raw_status!r}) is read as {status[0]!r}, as cBioPortal's "
                  "older importer read it")
    return {"patient_id": pid, "endpoint": endpoint, "months": months, "event": status[1], "status": status[0],
            "source": f"cBioPortal {months_attr}/{status_attr}"}


def _number(file: str, source: ClinicalRow, attr: str, raw: str, notes: _Notes) -> float | None:
    try:
        return number(raw)
    except ValueError:
        notes.add(file, source.line, attr, f"{attr} {raw!r} is not a number; it is not stored")
        return None


def _sample(row: ClinicalRow) -> dict:
    out: dict[str, Any] = {"sample_id": row.get("SAMPLE_ID"), "patient_id": row.get("PATIENT_ID")}
    curated = curate(row.get("ONCOTREE_CODE"))
    table = default_tumor_table()
    text = next((table.lookup(t) for t in (row.get("CANCER_TYPE_DETAILED"), row.get("CANCER_TYPE")) if t and table.lookup(t)), None)
    if curated:
        out.update(primary_tumor_location=curated.location, primary_tumor_type=curated.type,
                   primary_tumor_sub_type=curated.sub_type or None, primary_tumor_doids=curated.doids,
                   primary_tumor_curated=True)
    elif text:
        out.update(primary_tumor_location=text.location, primary_tumor_sub_location=text.sub_location,
                   primary_tumor_type=text.type, primary_tumor_sub_type=text.sub_type,
                   primary_tumor_doids=text.doid_text, primary_tumor_curated=True)
    else:
        out.update(primary_tumor_location=row.get("CANCER_TYPE"), primary_tumor_type=row.get("CANCER_TYPE_DETAILED"),
                   primary_tumor_sub_type=row.get("ONCOTREE_CODE"), primary_tumor_curated=False)
    sample_type = row.get("SAMPLE_TYPE")
    out["biopsy_location"] = sample_type
    if row.get("METASTATIC_SITE"):
        out["biopsy_site"] = row.get("METASTATIC_SITE")
    elif sample_type and sample_type.lower().startswith("primary"):
        out["biopsy_site"] = "Primary"
    return out


def _profile(file: str, row: ClinicalRow, problems: Problems, notes: _Notes) -> dict:
    out: dict[str, Any] = {}
    raw = row.get("TUMOR_PURITY")
    if raw is not None:
        purity = _number(file, row, "TUMOR_PURITY", raw, notes)
        if purity is not None:
            # Fractions (0..1) are kept; percentages (above 1, up to 100) are divided by 100.
            purity = purity / 100 if 1 < purity <= 100 else purity
            out["purity"] = _typed(purity, TUMOR_PROFILE, "purity", file, row, "TUMOR_PURITY", problems)
    raw = row.get("TMB_NONSYNONYMOUS")
    if raw is not None:
        tmb = _number(file, row, "TMB_NONSYNONYMOUS", raw, notes)
        if tmb is not None:
            out["tmb_per_mb"] = _typed(tmb, TUMOR_PROFILE, "tmb_per_mb", file, row, "TMB_NONSYNONYMOUS", problems)
            out["tmb_status"] = "HIGH" if tmb > TMB_HIGH else "LOW"
    for attr in MSI_STATUS_COLUMNS:
        raw = row.get(attr)
        if raw is not None:
            status = MSI_STATUS.get(raw.lower())
            if status is None:
                notes.add(file, row.line, attr, f"MSI status {raw!r} is not recognised; it is not stored")
            else:
                out["msi_status"] = status
                break
    raw = row.get("MSI_SCORE")
    if raw is not None and "msi_status" not in out:
        score = _number(file, row, "MSI_SCORE", raw, notes)
        if score is not None:
            out["msi_status"] = "MSI" if score >= MSI_SCORE_HIGH else "MSS" if score < MSI_SCORE_STABLE else "UNKNOWN"
    return out


def harmonize(patients: ClinicalFile | None, samples: ClinicalFile, dataset_id: str, problems: Problems) -> Harmonized:
    """Patient, sample and tumour-profile fields of the study, with cross-file checks."""
    result = Harmonized()
    notes = _Notes()
    sample_file = str(samples.path)
    if patients is not None:
        both = (set(patients.attribute_ids) & set(samples.attribute_ids)) - {"PATIENT_ID"}
        for attr in sorted(both):
            problems.error(sample_file, 5, attr, f"attribute {attr} is defined in both the patient and the sample file",
                           "define each attribute at one level only")
    per_patient: dict[str, dict[str, tuple[ClinicalRow, str]]] = {}
    order: list[str] = []
    if patients is not None:
        for row in patients.rows:
            pid = row.get("PATIENT_ID")
            per_patient[pid] = {a: (row, str(patients.path)) for a in patients.attribute_ids}
            order.append(pid)
    for row in samples.rows:
        pid, sid = row.get("PATIENT_ID"), row.get("SAMPLE_ID")
        if patients is not None and pid not in per_patient:
            problems.error(sample_file, row.line, "PATIENT_ID", f"patient {pid} of sample {sid} is not in the clinical patient file",
                           "add the patient to the patient file or correct the PATIENT_ID")
            continue
        if pid not in per_patient:
            per_patient[pid] = {}
            order.append(pid)
        for attr in samples.attribute_ids:  # patient-level facts written in the sample file (first sample wins)
            if row.get(attr) is not None:
                per_patient[pid].setdefault(attr, (row, sample_file))
        result.patient_of[sid] = pid
        result.samples.append(_sample(row))
        profile = _profile(sample_file, row, problems, notes)
        if profile:
            result.profiles[sid] = profile
    with_samples = set(result.patient_of.values())
    lonely = [p for p in order if p not in with_samples]
    if lonely and patients is not None:
        problems.warning(str(patients.path), None, "PATIENT_ID",
                         f"{len(lonely)} patient(s) have no sample: {', '.join(lonely[:5])}{' ...' if len(lonely) > 5 else ''}; they are loaded without samples")
    pairs = survival_pairs(samples.attribute_ids + (patients.attribute_ids if patients is not None else []))
    for pid in order:
        result.patients.append(_patient(pid, per_patient[pid], dataset_id, pairs, result.endpoints, problems, notes))
    notes.flush(problems)
    return result
