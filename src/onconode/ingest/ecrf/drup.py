"""DRUP study forms (ODM-XML) → `EcrfPatient`s, the same harmonized rows as CPCT's.

The DRUP-01 eCRF names its forms differently from CPCT-02. The items read are those
Hartwig's patient-db reads (readers/drup/BaselineReader, BiopsyReader):

| event / form / item group | items |
|---|---|
| `SE.REG` / `FRM.CSF` / `GRP.CSF` | `FLD.GEN` sex, `FLD.YOB` birth year, `FLD.TTYPE` tumour type at registration |
| `SE.REG` / `FRM.REG` / `GRP.REG` | `FLD.INST` hospital (when the study number does not name it) |
| `SE.BAS` / `FRM.BAS` / `GRP.BAS` | `FLD.ICDTC` informed consent, `FLD.BASTTYP` primary tumour (`FLD.BASTTOSP` when "Other, specify") |
| `SE.COHORTS` / `FRM.COHORTDATA` / `GRP.COHORTDATA` | `FLD.ICD10Descr` the cohort's tumour (ICD-10 description) |
| `SE.EOT` / `FRM.EOT` / `GRP.EOT` | `FLD.DEATHDTC` death |
| `SE.BIOPBL` / `FRM.BIOPT` / `GRP.TB` | `FLD.TBDAT` biopsy date, `FLD.TBSITE` site (`FLD.TBSITEOTH` when "Other"), `FLD.TBLOC` location |

The tumour term curated is patient-db's (DEV-1713): the baseline form's, joined with the
registration's by " + ", and the cohort's ICD-10 description in front of both where it is
too broad alone (biliary tract, colon, urinary organ, head/face/neck, salivary gland),
else the cohort's alone. DRUP treatment and outcome data may not be shared (Hartwig's
DRUP reader reads none), so no treatment or response is read from a DRUP export.
"""

from __future__ import annotations

from onconode.ingest.ecrf.cpct import FormReader, merge, subject_patient
from onconode.ingest.ecrf.odm import Odm, Subject
from onconode.ingest.ecrf.patients import Biopsy, EcrfPatient, Value
from onconode.ingest.problems import Problems

REGISTRATION, BASELINE, COHORTS, END, BIOPSY = "SE.REG", "SE.BAS", "SE.COHORTS", "SE.EOT", "SE.BIOPBL"
EVENTS = (REGISTRATION, BASELINE, COHORTS, END, BIOPSY)
BROAD_COHORTS = ("biliary tract", "colon", "urinary organ", "head, face and neck", "salivary gland")


def is_drup(odm: Odm) -> bool:
    """Whether the export holds DRUP's forms (its study events), whatever its study OID."""
    return any(key[0] in EVENTS for subject in odm.subjects for key in subject.groups)


def _tumor(r: FormReader, subject: Subject) -> Value | None:
    csf = merge(r.forms(subject, REGISTRATION, "FRM.CSF"))
    base = merge(r.forms(subject, BASELINE, "FRM.BAS"))
    cohort = r.text(merge(r.forms(subject, COHORTS, "FRM.COHORTDATA")), "FLD.ICD10Descr")
    registration = r.text(csf, "FLD.TTYPE")
    baseline = r.text(base, "FLD.BASTTYP")
    if baseline is not None and baseline.text.strip().lower().startswith("other"):
        baseline = r.text(base, "FLD.BASTTOSP")
    final = baseline
    if registration is not None:
        final = Value(f"{baseline.text} + {registration.text}", baseline.at) if baseline else registration
    if cohort is not None:
        broad = final is not None and any(b in cohort.text.strip().lower() for b in BROAD_COHORTS)
        final = Value(f"{cohort.text} + {final.text}", cohort.at) if broad and final else cohort
    return final


def read_drup(odm: Odm, problems: Problems) -> list[EcrfPatient]:
    """The patients of a DRUP-style ODM export."""
    r = FormReader(odm, problems)
    patients = []
    for subject in odm.subjects:
        p = subject_patient(odm, subject)
        csf = merge(r.forms(subject, REGISTRATION, "FRM.CSF"))
        base = merge(r.forms(subject, BASELINE, "FRM.BAS"))
        institute = r.text(merge(r.forms(subject, REGISTRATION, "FRM.REG")), "FLD.INST")
        p.hospital_code = p.hospital_code or (institute.text if institute else None)
        p.sex = r.text(csf, "FLD.GEN")
        year = r.text(csf, "FLD.YOB")
        if year is not None:
            if year.text.strip().isdigit():
                p.birth_year = int(year.text)
            else:
                problems.error(year.at.file, year.at.line, year.at.field, f"birth year {year.text!r} is not a year",
                               "correct the year of birth in the eCRF and export again")
        p.consent_date = r.date(base, "FLD.ICDTC")
        p.consented = p.consent_date is not None
        p.death_date = r.date(merge(r.forms(subject, END, "FRM.EOT")), "FLD.DEATHDTC")
        p.tumor = _tumor(r, subject)
        for g in subject.find(BIOPSY, "FRM.BIOPT", "GRP.TB"):
            date_item = g.item("FLD.TBDAT")
            site = r.text(g, "FLD.TBSITE")
            if site is None or site.text.strip().lower().startswith("other"):
                site = r.text(g, "FLD.TBSITEOTH") or site
            if date_item is None and site is None:
                continue  # an empty repeat
            at = r.source(date_item) if date_item else site.at  # type: ignore[union-attr]
            p.biopsies.append(Biopsy(r.date(g, "FLD.TBDAT"), at, site, r.text(g, "FLD.TBLOC")))
        patients.append(p)
    return patients
