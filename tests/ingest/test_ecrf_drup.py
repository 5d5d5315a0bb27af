"""DRUP-style ODM exports: the DRUP-01 forms (OIDs of Hartwig's patient-db readers/drup,
BaselineReader and BiopsyReader) map onto the same harmonized rows as CPCT-02's.

No DRUP export is public (the fixtures are CPCT), so the exports here are written in the
CDISC ODM 1.3 structure of the CPCT fixture with DRUP's event, form, item-group and item
OIDs and a code list the way OpenClinica writes one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from onconode.ingest.ecrf import ingest_ecrf
from onconode.store import Store

KEY = "DRUP-01-07-0042"
PID = "DRUP01070042"


def _items(group: str, items: dict[str, str]) -> str:
    body = "".join(f'\n          <ItemData ItemOID="{oid}" Value="{v}"/>' for oid, v in items.items())
    return f'\n        <ItemGroupData ItemGroupOID="{group}" ItemGroupRepeatKey="1" TransactionType="Upsert">{body}\n        </ItemGroupData>'


def _form(form: str, groups: str, repeat: int = 1) -> str:
    return f'\n      <FormData FormOID="{form}" FormRepeatKey="{repeat}">{groups}\n      </FormData>'


def _event(event: str, forms: str, repeat: int = 1) -> str:
    return f'\n    <StudyEventData StudyEventOID="{event}" StudyEventRepeatKey="{repeat}">{forms}\n    </StudyEventData>'


def _odm(study: str, metadata: str, subject: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Snapshot" FileOID="export" ODMVersion="1.3" CreationDateTime="2019-03-01T10:00:00">
 <Study OID="{study}">
  <GlobalVariables><StudyName>{study}</StudyName><StudyDescription>{study}</StudyDescription><ProtocolName>{study}</ProtocolName></GlobalVariables>
  <MetaDataVersion OID="1" Name="1">{metadata}
  </MetaDataVersion>
 </Study>
 <ClinicalData StudyOID="{study}" MetaDataVersionOID="1">
  <SubjectData SubjectKey="{KEY}">{subject}
  </SubjectData>
 </ClinicalData>
</ODM>
"""


DRUP_METADATA = """
   <ItemDef OID="FLD.GEN" Name="GEN" DataType="integer"><CodeListRef CodeListOID="GEN"/></ItemDef>
   <CodeList OID="GEN" Name="GEN" DataType="integer">
    <CodeListItem CodedValue="1"><Decode><TranslatedText>1=Male</TranslatedText></Decode></CodeListItem>
    <CodeListItem CodedValue="2"><Decode><TranslatedText>2=Female</TranslatedText></Decode></CodeListItem>
   </CodeList>"""


def drup_export(*, baseline_tumour: str = "Melanoma", other: str = "", registration: str = "", cohort: str = "",
                site: str = "Liver", site_other: str = "") -> str:
    subject = (
        _event("SE.REG", _form("FRM.CSF", _items("GRP.CSF", {"FLD.GEN": "2", "FLD.YOB": "1957",
                                                             **({"FLD.TTYPE": registration} if registration else {})}))
               + _form("FRM.REG", _items("GRP.REG", {"FLD.INST": "07"})))
        + _event("SE.BAS", _form("FRM.BAS", _items("GRP.BAS", {"FLD.ICDTC": "2018-03-05", "FLD.BASTTYP": baseline_tumour,
                                                               **({"FLD.BASTTOSP": other} if other else {})})))
        + (_event("SE.COHORTS", _form("FRM.COHORTDATA", _items("GRP.COHORTDATA", {"FLD.ICD10Descr": cohort}))) if cohort else "")
        + _event("SE.BIOPBL", _form("FRM.BIOPT", _items("GRP.BIOPT", {"FLD.TBTAKEN": "Yes"}) + _items("GRP.TB", {
            "FLD.TBDAT": "2018-03-20", "FLD.TBSITE": site, "FLD.TBLOC": "segment 4", **({"FLD.TBSITEOTH": site_other} if site_other else {})})))
        + _event("SE.EOT", _form("FRM.EOT", _items("GRP.EOT", {"FLD.DEATHDTC": "2019-01-02"})))
    )
    return _odm("DRUP", DRUP_METADATA, subject)


def cpct_export() -> str:
    """The same patient as the CPCT-02 forms record it."""
    subject = (
        _event("SE.BASELINE",
               _form("FRM.DEMOGRAPHY", _items("GRP.DEMOGRAPHY.DEMOGRAPHY", {"FLD.DEMOGRAPHY.SEX": "Female",
                                                                          "FLD.DEMOGRAPHY.BIRTHDTC": "1957-01-01"}))
               + _form("FRM.INFORMEDCONSENT", _items("GRP.INFORMEDCONSENT.INFORMEDCONSENT", {"FLD.INFORMEDCONSENT.ICDTC": "2018-03-05"}))
               + _form("FRM.CARCINOMA", _items("GRP.CARCINOMA.CARCINOMA", {"FLD.CARCINOMA.PTUMLOC": "Melanoma"})))
        + _event("SE.BIOPSY", _form("FRM.BIOPS", _items("GRP.BIOPS.BIOPSIES", {
            "FLD.BIOPS.BIOPTDT": "2018-03-20", "FLD.BIOPS.BILESSITE": "Liver", "FLD.BIOPS.BILESLOC": "segment 4"})))
        + _event("SE.ENDSTUDY", _form("FRM.DEATH", _items("GRP.DEATH.DEATH", {"FLD.DEATH.DDEATHDTC": "2019-01-02"})))
    )
    return _odm("CPCT2", "", subject)


ROWS = {
    "patient": "SELECT patient_id, sex, birth_year, hospital_code, death_date, informed_consent_date FROM ({}) ORDER BY 1",
    "sample": "SELECT sample_id, patient_id, sampling_date, biopsy_site, biopsy_location, primary_tumor_location, "
              "primary_tumor_type, primary_tumor_doids, primary_tumor_curated FROM ({}) ORDER BY 1",
    "consent": "SELECT patient_id, duo_code, modifier, consent_date FROM ({}) ORDER BY 1, 2",
}


def _load(tmp_path: Path, name: str, text: str) -> tuple[Store, object]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "export.xml").write_text(text, encoding="utf-8")
    store = Store.init(tmp_path / f"store-{name}")
    return store, ingest_ecrf(store, folder, dataset="STUDY")


def _rows(store: Store, table: str) -> list[tuple]:
    return store.con.execute(ROWS[table].format(store.relation_sql(table, store.current_version))).fetchall()


def test_a_drup_export_loads_the_same_rows_as_the_same_patient_in_cpct_forms(tmp_path: Path):
    drup, drup_report = _load(tmp_path, "drup", drup_export())
    cpct, _ = _load(tmp_path, "cpct", cpct_export())
    try:
        assert not drup_report.problems, drup_report.problems
        for table in ROWS:
            got = _rows(drup, table)
            assert got and got == _rows(cpct, table), table
        [patient] = _rows(drup, "patient")
        assert patient == (PID, "female", 1957, "07", dt.date(2019, 1, 2), dt.date(2018, 3, 5))
        [sample] = _rows(drup, "sample")
        assert sample[0] == f"{PID}T" and sample[3:7] == ("Liver", "segment 4", "Skin", "Melanoma")
    finally:
        drup.close()
        cpct.close()


def test_drup_tumour_terms_combine_baseline_registration_and_a_broad_cohort_as_patient_db_does(tmp_path: Path):
    store, report = _load(tmp_path, "drup", drup_export(baseline_tumour="Other, specify", other="Cholangiocarcinoma",
                                                        registration="Adenocarcinoma", cohort="Malignant neoplasm of biliary tract",
                                                        site="Other", site_other="Peritoneum"))
    try:
        [sample] = _rows(store, "sample")
        assert sample[3] == "Peritoneum"   # TBSITEOTH when the site is "Other"
        term = "Malignant neoplasm of biliary tract + Cholangiocarcinoma + Adenocarcinoma"
        assert sample[5] == term and sample[8] is False
        [warning] = [p for p in report.problems if term in p.message]
        assert warning.column.startswith("SE.COHORTS[1]/FRM.COHORTDATA[1]/GRP.COHORTDATA[1]/FLD.ICD10Descr")
        assert not any("treatment" in t for t in report.rows if report.rows[t])
    finally:
        store.close()


def test_a_narrow_drup_cohort_tumour_replaces_the_forms_terms(tmp_path: Path):
    store, _ = _load(tmp_path, "drup", drup_export(baseline_tumour="Other, specify", other="Something", cohort="Melanoma"))
    try:
        [sample] = _rows(store, "sample")
        assert (sample[5], sample[8]) == ("Skin", True)
    finally:
        store.close()
