"""Hartwig's LIMS export (lims.json): which tumour samples were sequenced, for which patient.

An eCRF records biopsies; the LIMS records the samples that arrived and were sequenced.
A sample is linked to its biopsy by patient and sampling date, as patient-db's biopsy
matching does. Only what the model holds is read (sample name, patient, sampling and
arrival date, pathology tumour percentage); hospital identifiers in the LIMS
(hospital_patient_id, hospital_pa_sample_id, received_sample_id) are never read.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from onconode.ingest.problems import Problems
from onconode.ingest.values import BadValue, is_missing, parse_date

TUMOR_TYPES = ("somatic_t",)


@dataclass(frozen=True)
class LimsSample:
    sample_id: str
    patient_id: str
    sampling_date: dt.date | None
    arrival_date: dt.date | None
    tumor_percentage: float | None
    barcode: str
    primary_tumor: str | None = None   # `ptum`: the tumour the hospital named when sending the sample
    file: str = ""


def _date(raw: object, shown: str, where: str, problems: Problems) -> dt.date | None:
    if not isinstance(raw, str) or is_missing(raw):
        return None
    try:
        return parse_date(raw)
    except BadValue as exc:
        problems.error(shown, None, where, str(exc), "correct the date in the LIMS")
        return None


def read_lims(path: Path, problems: Problems) -> list[LimsSample]:
    """Tumour samples (analysis type Somatic_T) that name a sample and a patient."""
    shown = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", "check the path and that it is UTF-8 JSON")
        return []
    except json.JSONDecodeError as exc:
        problems.error(shown, exc.lineno, None, f"not valid JSON: {exc.msg}", "export the LIMS again")
        return []
    samples = data.get("samples") if isinstance(data, dict) else None
    if not isinstance(samples, dict):
        problems.error(shown, None, "samples", "no \"samples\" object", "lims.json holds {\"samples\": {barcode: {...}}}")
        return []
    found = []
    for barcode, s in samples.items():
        if not isinstance(s, dict) or str(s.get("analysis_type", "")).lower() not in TUMOR_TYPES:
            continue
        name, patient = s.get("sample_name"), s.get("patient")
        if not name or not patient:
            continue  # a sample the lab registered without a name or patient is not sequenced data yet
        where = f"samples.{barcode}"
        perc = s.get("tumor_perc")
        try:
            tumor_percentage = None if perc is None or is_missing(str(perc)) else float(perc)
        except ValueError:
            problems.warning(shown, None, f"{where}.tumor_perc", f"{perc!r} is not a percentage; left empty", "write a number 0-100 or NA")
            tumor_percentage = None
        found.append(LimsSample(
            str(name), str(patient), _date(s.get("sampling_date"), shown, f"{where}.sampling_date", problems),
            _date(s.get("arrival_date"), shown, f"{where}.arrival_date", problems), tumor_percentage, str(barcode),
            None if is_missing(str(s.get("ptum") or "")) else str(s["ptum"]).strip(), shown,
        ))
    return found
