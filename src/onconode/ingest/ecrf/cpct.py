"""CPCT-02 study forms (ODM-XML) → `EcrfPatient`s (DRUP's forms: drup.py).

The items read are those Hartwig's patient-db reads (BaselineReader, BiopsyReader,
BiopsyTreatmentReader, BiopsyTreatmentResponseReader, PreTreatmentReader): registration,
demography, informed consent, primary tumour (PTUMLOC, or PTUMLOCS when coded "other"),
death, pre-treatment, biopsies (BIOPTDT, BILESSITE / BIOTHLESSITE, BILESLOC), treatment
after biopsy (SYSREGPOST, SYSSTDT, SYSENDT) and tumour measurements (BESTRESPON,
RESPONSEDTC / ASSDTC). A coded value is decoded through the export's own code list.
"""

from __future__ import annotations

import datetime as dt

from onconode.ingest.ecrf.consents import PIF_VERSION_ITEM, QUESTION_ITEMS
from onconode.ingest.ecrf.odm import Group, Item, Odm, Subject
from onconode.ingest.ecrf.patients import (
    Biopsy,
    EcrfPatient,
    Response,
    Source,
    Therapy,
    Value,
    study_pseudonym,
)
from onconode.ingest.problems import Problems
from onconode.ingest.values import BadValue, is_missing, parse_date

BASELINE, BIOPSY, AFTER, TREATMENT, END = "SE.BASELINE", "SE.BIOPSY", "SE.AFTERBIOPT", "SE.TREATMENT", "SE.ENDSTUDY"
OTHER = ("other", "other, please specify")


class FormReader:
    def __init__(self, odm: Odm, problems: Problems) -> None:
        self.odm = odm
        self.problems = problems

    def source(self, item: Item) -> Source:
        return Source(self.odm.file, item.line, item.path)

    def text(self, group: Group, oid: str) -> Value | None:
        item = group.item(oid)
        if item is None:
            return None
        decoded = self.odm.decode(item)
        return None if is_missing(decoded) else Value(decoded, self.source(item))

    def date(self, group: Group, oid: str) -> dt.date | None:
        item = group.item(oid)
        if item is None or is_missing(item.value):
            return None
        try:
            return parse_date(item.value.split("T")[0])
        except BadValue as exc:
            self.problems.error(self.odm.file, item.line, item.path, str(exc), "correct the date in the eCRF and export again")
            return None

    def yes(self, group: Group, oid: str) -> bool | None:
        value = self.text(group, oid)
        if value is None:
            return None
        return value.text.strip().lower() in ("yes", "1", "ja", "true")

    def forms(self, subject, event: str, form: str) -> list[Group]:
        """Every item group of every repeat of a form (a form's items may sit in several groups)."""
        return [g for k, g in subject.groups.items() if k[0] == event and k[2] == form]


def merge(groups: list[Group]) -> Group:
    merged = Group()
    for g in groups:
        for oid, item in g.items.items():
            if item.value.strip() or oid not in merged.items:
                merged.items[oid] = item
    return merged


def subject_patient(odm: Odm, subject: Subject) -> EcrfPatient:
    """A subject's patient: the study number as pseudonym, the hospital its third part
    (CPCT-02-25-2500 → CPCT02252500, hospital 25), as CPCT and DRUP number patients."""
    p = EcrfPatient(study_pseudonym(subject.key), Source(odm.file, subject.line, f"SubjectKey {subject.key}"))
    parts = subject.key.split("-")
    p.hospital_code = parts[2] if len(parts) >= 4 else None
    return p


def read_cpct(odm: Odm, problems: Problems) -> list[EcrfPatient]:
    """The patients of a CPCT-style ODM export (a DRUP one: drup.read_drup)."""
    r = FormReader(odm, problems)
    patients = []
    for subject in odm.subjects:
        p = subject_patient(odm, subject)
        elig = merge(r.forms(subject, BASELINE, "FRM.ELIGIBILITY"))
        demo = merge(r.forms(subject, BASELINE, "FRM.DEMOGRAPHY"))
        consent = merge(r.forms(subject, BASELINE, "FRM.INFORMEDCONSENT"))
        carcinoma = merge(r.forms(subject, BASELINE, "FRM.CARCINOMA"))
        death = merge(r.forms(subject, END, "FRM.DEATH"))
        dna = merge(r.forms(subject, BASELINE, "FRM.DNA"))
        p.registration_date = r.date(elig, "FLD.ELIGIBILITY.REGDTC")
        p.sex = r.text(demo, "FLD.DEMOGRAPHY.SEX")
        born = r.date(demo, "FLD.DEMOGRAPHY.BIRTHDTC") or r.date(elig, "FLD.ELIGIBILITY.BIRTHDTCES")
        p.birth_year = born.year if born else None
        p.consent_date = r.date(consent, "FLD.INFORMEDCONSENT.ICDTC") or r.date(elig, "FLD.ELIGIBILITY.ICDTCES")
        p.consented = p.consent_date is not None
        p.pif_version = r.text(consent, PIF_VERSION_ITEM)
        p.consent_answers = {oid: v for oid in QUESTION_ITEMS if (v := r.text(consent, oid)) is not None}
        p.death_date = r.date(death, "FLD.DEATH.DDEATHDTC")
        tumor = r.text(carcinoma, "FLD.CARCINOMA.PTUMLOC")
        if tumor is None or tumor.text.strip().lower() in OTHER:
            tumor = r.text(carcinoma, "FLD.CARCINOMA.PTUMLOCS") or tumor
        p.tumor = tumor
        if r.date(dna, "FLD.DNA.BLOODDTC") is not None:
            p.normal_source = "blood"  # CPCT's reference (germline) sample is a blood draw
        _biopsies(r, subject, p)
        _pre_treatments(r, subject, p)
        _treatments(r, subject, p)
        _responses(r, subject, p)
        patients.append(p)
    return patients


def _biopsies(r: FormReader, subject, p: EcrfPatient) -> None:
    for g in subject.find(BIOPSY, "FRM.BIOPS", "GRP.BIOPS.BIOPSIES"):
        date_item = g.item("FLD.BIOPS.BIOPTDT")
        site = r.text(g, "FLD.BIOPS.BILESSITE")
        if site is None or site.text.strip().lower() in OTHER:
            site = r.text(g, "FLD.BIOPS.BIOTHLESSITE") or site
        if date_item is None and site is None:
            continue  # an empty repeat the EDC leaves behind
        at = r.source(date_item) if date_item else site.at  # type: ignore[union-attr]
        p.biopsies.append(Biopsy(r.date(g, "FLD.BIOPS.BIOPTDT"), at, site, r.text(g, "FLD.BIOPS.BILESLOC")))


def _pre_treatments(r: FormReader, subject, p: EcrfPatient) -> None:
    for g in subject.find(BASELINE, "FRM.PRETHERAPY", "GRP.PRETHERAPY.SYSTEMICTRT"):
        drugs = r.text(g, "FLD.PRETHERAPY.SYSTEMICREG")
        if drugs is None:
            continue
        p.therapies.append(Therapy(r.date(g, "FLD.PRETHERAPY.SYSTEMICSTDTC"), r.date(g, "FLD.PRETHERAPY.SYSTEMICENDTC"), drugs, True, drugs.at))


def _treatments(r: FormReader, subject, p: EcrfPatient) -> None:
    for k, g in subject.groups.items():
        if k[0] != AFTER or k[2] != "FRM.TRTAFTER":
            continue
        drugs = r.text(g, "FLD.TRTAFTER.SYSREGPOST")
        if drugs is None:
            continue
        p.therapies.append(Therapy(r.date(g, "FLD.TRTAFTER.SYSSTDT"), r.date(g, "FLD.TRTAFTER.SYSENDT"), drugs, False, drugs.at))


def _responses(r: FormReader, subject, p: EcrfPatient) -> None:
    forms: dict[tuple[str, str], list[Group]] = {}
    for k, g in subject.groups.items():
        if k[0] == TREATMENT and k[2] == "FRM.TUMORMEASUREMENT":
            forms.setdefault((k[1], k[3]), []).append(g)
    for groups in forms.values():
        g = merge(groups)
        response = r.text(g, "FLD.TUMORMEASUREMENT.BESTRESPON")
        date_item = g.item("FLD.TUMORMEASUREMENT.RESPONSEDTC")
        if response is None and date_item is None:
            continue  # the baseline measurement: no response to record
        oid = "FLD.TUMORMEASUREMENT.RESPONSEDTC" if date_item else "FLD.TUMORMEASUREMENT.ASSDTC"
        at = r.source(date_item) if date_item else response.at  # type: ignore[union-attr]
        not_done = r.yes(g, "FLD.TUMORMEASUREMENT.TMNOTDONE")
        p.responses.append(Response(r.date(g, oid), response, None if not_done is None else not not_done, at))
