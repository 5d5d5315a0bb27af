"""A share of the cohort's clinical records as WIDE study CSV exports (`wide_*.csv`), the
layouts of the WIDE fixtures (Hartwig's WideEcrfFileReader): demography, consent and
biopsies in the five-days form, biopsies, treatments after the biopsy, previous therapy
and responses. The LIMS export names these patients' tumours (`ptum`), as WIDE's forms
do not.

WIDE's previous-therapy form records only the date the last therapy ended, which the
model cannot store as a treatment; so the share is taken among the patients without a
pre-biopsy treatment, and their export says "no previous therapy". The forms hold no
death date, registration date or biopsy location either: those patients have none in an
eCRF ingest, as with a real WIDE export.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from onconode.synth.cohort import Cohort

SHARE = 4   # every 4th patient without a pre-biopsy treatment
FIVE_DAYS = ("patient_id", "Wide ptnr", "Year of birth", "Gender, 1=male/2=female", "Date IC",
             "Specimens can be stored indefinitely and used in future research, 0=no/1=yes",
             "Data can be shared with HMF, 0=no/1=yes", "Date biopsy", "Biopsy site", "Sample tissue", "Sample type",
             "Study code", "Other trial", "Other trial code", "Date start other trial")
BIOPSIES = ("patient_id", "DFHWDPNR", "_CNS02", "DFHTNRC", "BIOPTDTC", "BMDBWSYN")
TREATMENTS = ("TRAWPTNR", "Data can be shared with HMF", "TRAATCC", "TRAATCTX", "TRASDT", "TRAEDT")
PRE_TREATMENTS = ("Patient nr", "Data can be shared with HMF", "Previous therapy", "CHTS", "CHTS1", "CHTS2", "CHTS3",
                  "Date last systemic therapy", "FormRepeatKey")
RESPONSES = ("DFHWDPNR", "Data can be shared with HMF", "In setting of oligoprogression", "Time point", "Date",
             "Recist not done (true)", "RSPOA", "TMRESNR", "TMREOT", "TMREOTSP")
# the WIDE sample-tissue words for a haematological sample (Dutch, as the forms record them)
TISSUE = {"blood": "bloed", "bone_marrow": "beenmerg"}


def wide_patients(c: Cohort) -> set[str]:
    """The patients whose records go to the WIDE export rather than the ODM one."""
    pre = {t["patient_id"] for t in c.treatments if t["pre_biopsy"]}
    eligible = [p["patient_id"] for p in c.patients if p["patient_id"] not in pre]
    return set(eligible[SHARE - 1::SHARE])


def _date(d: dt.date | None) -> str:
    return f"{d.day:02d}-{d:%b}-{d.year}" if d else ""   # 18-Jan-2018, as the WIDE exports write dates


def _write(path: Path, header: tuple[str, ...], rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows([["" if v is None else v for v in r] for r in rows])


def write_wide(folder: Path, c: Cohort, patients: set[str]) -> None:
    """wide_five_days / biopsies / avl_treatments / pre_avl_treatments / responses .csv."""
    people = [p for p in c.patients if p["patient_id"] in patients]
    samples = [s for s in c.samples if s["patient_id"] in patients]
    by_id = {p["patient_id"]: p for p in people}
    five_days, biopsies = [], []
    for i, s in enumerate(samples, start=1):
        p = by_id[s["patient_id"]]
        number = s["patient_id"].lstrip("HMF").lstrip("0")
        tissue = TISSUE.get(s["tissue_source"], s["biopsy_site"])
        five_days.append([number, p["patient_id"], p.get("birth_year"), {"male": 1, "female": 2}.get(p["sex"], ""),
                          _date(p["informed_consent_date"]), 1, 1, _date(s["sampling_date"]), s["biopsy_site"], tissue,
                          "biopt", "N18WGS-2", "N", "", ""])
        biopsies.append([number, p["patient_id"], 1, f"T{s['sampling_date']:%y}-{i:05d}", _date(s["sampling_date"]), ""])
    _write(folder / "wide_five_days.csv", FIVE_DAYS, five_days)
    _write(folder / "wide_biopsies.csv", BIOPSIES, biopsies)
    _write(folder / "wide_avl_treatments.csv", TREATMENTS, [
        [t["patient_id"], 1, "", t["drugs"], _date(t["start_date"]), _date(t["end_date"])]
        for t in c.treatments if t["patient_id"] in patients and not t["pre_biopsy"]])
    _write(folder / "wide_pre_avl_treatments.csv", PRE_TREATMENTS, [[p["patient_id"], 1, 0, "", "", "", "", "", 1] for p in people])
    responses = [r for r in c.responses if r["patient_id"] in patients]
    _write(folder / "wide_responses.csv", RESPONSES, [
        [r["patient_id"], 1, "FALSE", n, _date(r["response_date"]), "FALSE" if r["measurement_done"] else "TRUE",
         r["response"], "", "", ""] for n, r in enumerate(responses, start=1)])
