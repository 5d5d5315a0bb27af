"""What an eCRF reader hands over: each patient's record as the forms state it, before curation.

The CPCT/DRUP ODM-XML reader and the WIDE CSV reader speak very different layouts; both
produce `EcrfPatient`s, and one module (`harmonize`) curates them into the model. Every
value keeps its `Source` (file, line, form/item OID or CSV column), so an uncurated term
or an impossible date is reported where the data manager can find and fix it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    file: str
    line: int | None
    field: str


@dataclass(frozen=True)
class Value:
    text: str
    at: Source


@dataclass
class Biopsy:
    date: dt.date | None
    at: Source
    site: Value | None = None
    location: Value | None = None
    tissue: Value | None = None


@dataclass
class Therapy:
    start: dt.date | None
    end: dt.date | None
    drugs: Value
    pre_biopsy: bool
    at: Source
    atc_code: str | None = None


@dataclass
class Response:
    date: dt.date | None
    response: Value | None
    measurement_done: bool | None
    at: Source


@dataclass
class EcrfPatient:
    """One patient as an eCRF export records them (study number already made a pseudonym)."""

    patient_id: str
    at: Source
    sex: Value | None = None
    birth_year: int | None = None
    hospital_code: str | None = None
    registration_date: dt.date | None = None
    consent_date: dt.date | None = None
    consented: bool = True
    cohort: str = ""                   # the study the patient is in (CPCT, DRUP, WIDE ...): study_cohort
    pif_version: Value | None = None   # the version of the patient information form signed
    consent_answers: dict[str, Value] = field(default_factory=dict)   # consent question item OID → answer
    death_date: dt.date | None = None
    tumor: Value | None = None
    normal_source: str | None = None
    biopsies: list[Biopsy] = field(default_factory=list)
    therapies: list[Therapy] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cohort = self.cohort or study_cohort(self.patient_id)


def study_pseudonym(subject_key: str) -> str:
    """Hartwig's patient identifier: the study number without dashes (CPCT-02-01-0001 →
    CPCT02010001), which is also how LIMS names the patient and its samples."""
    return "".join(ch for ch in subject_key.strip() if ch.isalnum())


def study_cohort(patient_id: str) -> str:
    """The study a Hartwig patient identifier names: its leading letters (CPCT02010001 → CPCT)."""
    letters = ""
    for ch in patient_id:
        if not ch.isalpha():
            break
        letters += ch
    return letters.upper()
