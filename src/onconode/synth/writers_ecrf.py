"""The cohort's clinical records as a hospital eCRF export folder (docs/ingest-ecrf.md): a
CPCT-02-style CDISC ODM-XML export of the study forms, WIDE-style CSV exports for a share
of the patients (writers_wide.py), Hartwig's LIMS file naming the
sequenced tumour samples, and the curation tables (tumour locations and treatments as
embedded in onconode, biopsy sites in Hartwig's layout built from the cohort's own terms).

The forms carry the free text the clinical TSV carries, so `onconode ingest ecrf` curates
it the same way. What CPCT forms cannot say is not there: the hospital code (the subject
key is the patient id, not a CPCT study number), consent terms beyond "consented" (ingest
records general research use), the haematological diagnosis and ELN risk, and a blood or
bone-marrow tumour (CPCT's normal is a blood draw).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from xml.sax.saxutils import quoteattr

from onconode.ingest.curation import BIOPSY_SITE_FILE, DRUG_FILE, TUMOR_FILE, _embedded, default_tumor_table
from onconode.synth.clinical import DATASET
from onconode.synth.cohort import Cohort
from onconode.synth.writers_wide import wide_patients, write_wide

ODM_FILE = "synthetic_cpct_ecrf.xml"


def _items(group_oid: str, items: dict[str, object]) -> str:
    body = "".join(f"<ItemData ItemOID={quoteattr(oid)} Value={quoteattr(_text(v))}/>" for oid, v in items.items()
                   if v not in (None, ""))
    return f"<ItemGroupData ItemGroupOID={quoteattr(group_oid)} ItemGroupRepeatKey=\"1\">{body}</ItemGroupData>"


def _text(v: object) -> str:
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _form(form: str, repeat: int, groups: str) -> str:
    return f"<FormData FormOID={quoteattr(form)} FormRepeatKey=\"{repeat}\">{groups}</FormData>"


def _event(event: str, repeat: int, forms: str) -> str:
    return f"<StudyEventData StudyEventOID={quoteattr(event)} StudyEventRepeatKey=\"{repeat}\">{forms}</StudyEventData>"


def _subject(patient: dict, samples: list[dict], treatments: list[dict], responses: list[dict]) -> str:
    first = samples[0] if samples else {}
    baseline = [
        _form("FRM.ELIGIBILITY", 1, _items("GRP.ELIGIBILITY", {"FLD.ELIGIBILITY.REGDTC": patient["registration_date"]})),
        _form("FRM.DEMOGRAPHY", 1, _items("GRP.DEMOGRAPHY", {
            "FLD.DEMOGRAPHY.SEX": patient["sex"],
            "FLD.DEMOGRAPHY.BIRTHDTC": f"{patient['birth_year']}-07-01" if patient.get("birth_year") else None})),
        _form("FRM.INFORMEDCONSENT", 1, _items("GRP.INFORMEDCONSENT", {"FLD.INFORMEDCONSENT.ICDTC": patient["informed_consent_date"]})),
        _form("FRM.CARCINOMA", 1, _items("GRP.CARCINOMA.CARCINOMA", {"FLD.CARCINOMA.PTUMLOC": first.get("primary_tumor_location")})),
    ]
    if first.get("tissue_source") == "tissue":   # the CPCT normal is a blood draw; a leukaemia's is not
        baseline.append(_form("FRM.DNA", 1, _items("GRP.DNA", {"FLD.DNA.BLOODDTC": first["sampling_date"]})))
    for i, t in enumerate((t for t in treatments if t["pre_biopsy"]), start=1):
        baseline.append(_form("FRM.PRETHERAPY", i, _items("GRP.PRETHERAPY.SYSTEMICTRT", {
            "FLD.PRETHERAPY.SYSTEMICREG": t["drugs"], "FLD.PRETHERAPY.SYSTEMICSTDTC": t["start_date"],
            "FLD.PRETHERAPY.SYSTEMICENDTC": t["end_date"]})))
    events = [_event("SE.BASELINE", 1, "".join(baseline))]
    for i, s in enumerate(samples, start=1):
        events.append(_event("SE.BIOPSY", i, _form("FRM.BIOPS", 1, _items("GRP.BIOPS.BIOPSIES", {
            "FLD.BIOPS.BIOPTDT": s["sampling_date"], "FLD.BIOPS.BILESSITE": s["biopsy_site"],
            "FLD.BIOPS.BILESLOC": s["biopsy_location"]}))))
    for i, t in enumerate((t for t in treatments if not t["pre_biopsy"]), start=1):
        events.append(_event("SE.AFTERBIOPT", i, _form("FRM.TRTAFTER", 1, _items("GRP.TRTAFTER.TRTAFTER", {
            "FLD.TRTAFTER.SYSREGPOST": t["drugs"], "FLD.TRTAFTER.SYSSTDT": t["start_date"],
            "FLD.TRTAFTER.SYSENDT": t["end_date"]}))))
    for i, r in enumerate(responses, start=1):
        events.append(_event("SE.TREATMENT", 1, _form("FRM.TUMORMEASUREMENT", i, _items("GRP.TUMORMEASUREMENT.ENTRY", {
            "FLD.TUMORMEASUREMENT.BESTRESPON": r["response"], "FLD.TUMORMEASUREMENT.RESPONSEDTC": r["response_date"],
            "FLD.TUMORMEASUREMENT.TMNOTDONE": "no" if r["measurement_done"] else "yes"}))))
    if patient.get("death_date"):
        events.append(_event("SE.ENDSTUDY", 1, _form("FRM.DEATH", 1, _items("GRP.DEATH", {"FLD.DEATH.DDEATHDTC": patient["death_date"]}))))
    return f"<SubjectData SubjectKey={quoteattr(patient['patient_id'])}>{''.join(events)}</SubjectData>\n"


def write_odm(path: Path, c: Cohort, exclude: set[str] | frozenset[str] = frozenset()) -> None:
    """The CPCT-style export of every patient but those in `exclude` (sent in another export)."""
    by_patient: dict[str, tuple[list, list, list]] = {p["patient_id"]: ([], [], []) for p in c.patients}
    for s in c.samples:
        by_patient[s["patient_id"]][0].append(s)
    for t in c.treatments:
        by_patient[t["patient_id"]][1].append(t)
    for r in c.responses:
        by_patient[r["patient_id"]][2].append(r)
    study = quoteattr(DATASET["dataset_id"])
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3" '
                 f'FileType="Snapshot" FileOID="onconode-synth">\n<Study OID={study}><GlobalVariables><StudyName>'
                 f'{DATASET["title"]}</StudyName></GlobalVariables></Study>\n<ClinicalData StudyOID={study} '
                 'MetaDataVersionOID="synthetic">\n')
        for p in c.patients:
            if p["patient_id"] not in exclude:
                fh.write(_subject(p, *by_patient[p["patient_id"]]))
        fh.write("</ClinicalData>\n</ODM>\n")


def write_lims(path: Path, c: Cohort) -> None:
    """Hartwig's LIMS export: one sequenced tumour sample (Somatic_T) per biopsy."""
    samples = {f"FR{i:08d}": {"sample_name": s["sample_id"], "sample_id": f"FR{i:08d}", "patient": s["patient_id"],
                              "analysis_type": "Somatic_T", "sampling_date": s["sampling_date"].isoformat(),
                              "arrival_date": s["arrival_date"].isoformat(), "tumor_perc": s["pathology_tumor_percentage"],
                              "ptum": s["primary_tumor_location"], "submission": "SYNTH", "label": "SYNTH", "shallowseq": False}
               for i, s in enumerate(c.samples, start=1)}
    path.write_text(json.dumps({"samples": samples}, indent=1) + "\n", encoding="utf-8")


def write_biopsy_sites(path: Path, c: Cohort) -> None:
    """Hartwig's biopsy-site curation table for every (tumour, site, location) of the cohort;
    the tumour is the patient's one of the forms (FRM.CARCINOMA, written from the first biopsy)."""
    tumours = default_tumor_table()
    first: dict[str, str] = {}
    for s in c.samples:
        first.setdefault(s["patient_id"], s["primary_tumor_location"])
    keys = set()
    for s in c.samples:
        cur = tumours.lookup(first[s["patient_id"]])
        for location in {s["biopsy_location"] or "NULL", "NULL"}:   # WIDE exports record no biopsy location
            keys.add((cur.location or "NULL", cur.sub_type or "NULL", s["biopsy_site"], location))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("Primary Tumor Location\tCancer Sub Type\teCRF Biopsy Site\teCRF Biopsy Location\tCurated Biopsy Type\n")
        for k in sorted(keys):
            fh.write("\t".join(k) + f"\t{k[2]}\n")


def write_ecrf(folder: Path, c: Cohort) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    wide = wide_patients(c)
    write_odm(folder / ODM_FILE, c, exclude=wide)
    write_wide(folder, c, wide)
    write_lims(folder / "lims.json", c)
    for name in (TUMOR_FILE, DRUG_FILE):   # the curation tables this export was curated with
        shutil.copyfile(_embedded(name), folder / name)
    write_biopsy_sites(folder / BIOPSY_SITE_FILE, c)
