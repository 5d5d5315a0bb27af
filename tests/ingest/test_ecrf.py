"""`onconode ingest ecrf DIR`: eCRF exports (ODM-XML, WIDE CSV, LIMS) curated into the model."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.ingest.ecrf import ingest_ecrf
from onconode.ingest.ecrf.odm import read_odm
from onconode.ingest.problems import IngestError, Problems
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store

WIDE = ("wide_five_days.csv", "wide_biopsies.csv", "wide_avl_treatments.csv", "wide_pre_avl_treatments.csv", "wide_responses.csv")
HMF_TUMOR_HEADER = "Input Primary Tumor Location\tPrimary tumor location\tPrimary tumor sublocation\tPrimary tumor type\tPrimary tumor subtype\tPrimary tumor extra details\tDOID\tSNOMED Concept ID\n"


@pytest.fixture
def link_fixtures(hmftools_fixtures: Path):
    """Makes a DIR of exports: the real-format fixtures are linked in place, never copied."""

    def link(folder: Path, *names: str) -> Path:
        folder.mkdir(exist_ok=True)
        for name in names:
            (folder / name).symlink_to(hmftools_fixtures / "clinical" / name)
        return folder

    return link


def _rows(store: Store, table: str, where: str = "") -> list[dict]:
    rel = store.relation_sql(table, store.current_version)
    cur = store.con.execute(f"SELECT * FROM ({rel}) {where}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_odm_export_loads_patient_biopsy_treatment_and_responses(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml")
    report = ingest_ecrf(store, folder)
    [patient] = _rows(store, "patient")
    assert patient["patient_id"] == "CPCT02252500"  # the study number without dashes, as LIMS names it
    assert (patient["sex"], patient["birth_year"], patient["hospital_code"]) == ("female", 1963, "25")
    assert patient["death_date"] == dt.date(2012, 6, 22) and patient["informed_consent_date"] == dt.date(2012, 2, 17)
    [sample] = _rows(store, "sample")
    assert sample["sample_id"] == "CPCT02252500T" and sample["sampling_date"] == dt.date(2012, 2, 17)
    assert sample["biopsy_site"] == "Soft tissue"  # BILESSITE 12 = "Other, please specify" → BIOTHLESSITE
    assert sample["biopsy_location"] == "near right scapula"
    assert sample["normal_tissue_source"] == "blood" and sample["tissue_source"] == "tissue"
    treatments = {t["treatment_id"]: t for t in _rows(store, "treatment")}
    after = [t for t in treatments.values() if not t["pre_biopsy"]]
    assert [(t["treatment_id"], t["regimen"], t["start_date"], t["sample_id"]) for t in after] == [
        ("CPCT02252500-T1", "Bevacizumab", dt.date(2012, 2, 18), "CPCT02252500T")]
    assert sorted(tid for tid, t in treatments.items() if t["pre_biopsy"]) == [f"CPCT02252500-P{n}" for n in range(1, 7)]
    responses = _rows(store, "treatment_response")
    assert sorted(r["response_date"] for r in responses) == [dt.date(2012, 3, 5), dt.date(2012, 4, 23), dt.date(2012, 6, 8)]
    assert {r["response"] for r in responses} == {"PD"} and {r["treatment_id"] for r in responses} == {after[0]["treatment_id"]}
    assert report.rows["consent"] == 1


def test_uncurated_values_are_reported_with_file_line_and_form_item(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml", "test_tumor_location_mapping.tsv", "test_treatment_mapping.tsv")
    report = ingest_ecrf(store, folder)
    tumour = [p for p in report.problems if "tumour location 'Breast cancer'" in p.message]
    assert len(tumour) == 1
    assert tumour[0].file == str(folder / "test_cpct_ecrf.xml") and tumour[0].line == 7630
    assert tumour[0].column == "SE.BASELINE[0]/FRM.CARCINOMA[0]/GRP.CARCINOMA.CARCINOMA[0]/FLD.CARCINOMA.PTUMLOC"
    assert "ingest ecrf" in tumour[0].hint
    [sample] = _rows(store, "sample")
    assert sample["primary_tumor_location"] == "Breast cancer" and sample["primary_tumor_curated"] is False


def test_extended_curation_rerun_replaces_only_clinical_rows_in_one_version(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml")
    mapping = folder / "tumor_location_mapping.tsv"
    mapping.write_text(HMF_TUMOR_HEADER + "Fechromocytoom\tAdrenal gland\tAdrenal medulla\tPheochromocytoma\t\t\t5719\t\n")
    first = ingest_ecrf(store, folder)
    assert [p.line for p in first.problems if "'Breast cancer' is not in the curation table" in p.message] == [7630]
    with store.transaction("hmftools", "genomics of the biopsy") as tx:  # the genomics, loaded once
        tx.replace("tumor_profile", to_arrow(TABLES_BY_NAME["tumor_profile"], [{"sample_id": "CPCT02252500T", "ref_genome": "GRCh37", "purity": 0.6}]),
                   owners=["CPCT02252500T"])
    genomics_version = store.current_version
    with mapping.open("a") as extended:  # the data manager adds the term and runs the same command again
        extended.write("Breast cancer\tBreast\t\tCarcinoma\t\t\t1612\t\n")
    (folder / "biopsy_site_mapping.tsv").write_text(
        "Primary Tumor Location\tCancer Sub Type\teCRF Biopsy Site\teCRF Biopsy Location\tCurated Biopsy Type\n"
        "Breast\tNULL\tSoft tissue\tnear right scapula\tSoft tissue (chest wall)\n"
    )
    report = ingest_ecrf(store, folder)
    assert report.version == genomics_version + 1
    assert not [p for p in report.problems if "Breast cancer" in p.message]
    [sample] = _rows(store, "sample")
    assert (sample["primary_tumor_location"], sample["primary_tumor_doids"], sample["primary_tumor_curated"]) == ("Breast", "1612", True)
    assert sample["biopsy_site"] == "Soft tissue (chest wall)"
    [profile] = _rows(store, "tumor_profile")
    assert profile["purity"] == 0.6
    assert store.con.execute('SELECT "_added" FROM tumor_profile').fetchall() == [(genomics_version,)]  # never rewritten
    assert "tumor_profile" not in report.rows


def test_tumour_location_override_replaces_the_ecrf_term_for_that_patient(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml")
    (folder / "tumor_location_mapping.tsv").write_text(HMF_TUMOR_HEADER + "Fechromocytoom\tAdrenal gland\tAdrenal medulla\tPheochromocytoma\t\t\t5719\t\n")
    (folder / "tumor_location_overrides.tsv").write_text("Patient\tInput Primary Tumor Location\tRationale for overriding\nCPCT02252500\tFechromocytoom\tpathology review\n")
    ingest_ecrf(store, folder)
    [sample] = _rows(store, "sample")
    assert (sample["primary_tumor_location"], sample["primary_tumor_type"]) == ("Adrenal gland", "Pheochromocytoma")


def test_lims_names_the_sequenced_samples_and_matches_them_to_biopsies_by_date(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml")
    (folder / "lims.json").write_text(json.dumps({"samples": {
        "FR1": {"sample_name": "CPCT02252500T", "patient": "CPCT02252500", "analysis_type": "Somatic_T", "sampling_date": "2012-02-17",
                "arrival_date": "2012-03-01", "tumor_perc": 40, "hospital_patient_id": "never-stored"},
        "FR2": {"sample_name": "CPCT02252500R", "patient": "CPCT02252500", "analysis_type": "Somatic_R"},
    }}))
    ingest_ecrf(store, folder)
    [sample] = _rows(store, "sample")
    assert (sample["sample_id"], sample["arrival_date"], sample["pathology_tumor_percentage"]) == ("CPCT02252500T", dt.date(2012, 3, 1), 40.0)
    assert sample["biopsy_site"] == "Soft tissue"
    assert "never-stored" not in json.dumps(_rows(store, "patient") + _rows(store, "sample"), default=str)


def test_wide_csv_exports_load_with_their_date_spellings_and_unshared_patients_left_out(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", *WIDE)
    report = ingest_ecrf(store, folder)
    patients = {p["patient_id"]: p for p in _rows(store, "patient")}
    assert list(patients) == ["WIDE01018888"]  # 9999 may not be shared with HMF
    assert (patients["WIDE01018888"]["sex"], patients["WIDE01018888"]["birth_year"], patients["WIDE01018888"]["dataset_id"]) == ("female", 1940, "WIDE")
    samples = sorted(_rows(store, "sample"), key=lambda s: s["sampling_date"])
    assert [s["sampling_date"] for s in samples] == [dt.date(2018, 1, 18), dt.date(2018, 4, 11), dt.date(2018, 5, 12)]  # 18-jan-2018 ...
    assert [s["sample_id"] for s in samples] == ["WIDE01018888T", "WIDE01018888TII", "WIDE01018888TIII"]
    [drug] = _rows(store, "treatment_drug")
    assert drug["atc_code"] == "L01BA04"  # the export's own ATC code where the drug table has none
    messages = [str(p) for p in report.problems]
    assert any("wide_five_days.csv:4" in m and "WIDE01019999" in m and "not loaded" in m for m in messages)


def test_a_treatment_without_start_date_is_reported_as_not_stored(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", *WIDE)
    five_days = (folder / "wide_five_days.csv").read_text().replace("9999,WIDE-01-01-9999,,,,1,0", "9999,WIDE-01-01-9999,,,,1,1")
    (folder / "wide_five_days.csv").unlink()
    (folder / "wide_five_days.csv").write_text(five_days)
    report = ingest_ecrf(store, folder)
    missing = [p for p in report.problems if "has no start date; not stored" in p.message]
    assert {(Path(p.file).name, p.line) for p in missing} == {("wide_pre_avl_treatments.csv", 3), ("wide_pre_avl_treatments.csv", 4)}


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE ODM [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE ODM [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    '<!DOCTYPE ODM SYSTEM "http://127.0.0.1:9/odm.dtd">',
])
def test_an_odm_file_declaring_a_doctype_is_refused_and_nothing_loads(tmp_path, store, doctype):
    folder = tmp_path / "export"
    folder.mkdir()
    body = '<ClinicalData StudyOID="X"><SubjectData SubjectKey="CPCT-02-01-0001"><StudyEventData StudyEventOID="SE.BASELINE"><FormData FormOID="FRM.INFORMEDCONSENT"><ItemGroupData ItemGroupOID="G"><ItemData ItemOID="FLD.INFORMEDCONSENT.ICDTC" Value="2020-01-01"/></ItemGroupData></FormData></StudyEventData></SubjectData></ClinicalData>'
    (folder / "export.xml").write_text(f'<?xml version="1.0"?>\n{doctype}\n<ODM>{body}</ODM>\n')
    with pytest.raises(IngestError) as caught:
        ingest_ecrf(store, folder)
    assert str(folder / "export.xml") in str(caught.value)
    assert "root:" not in str(caught.value)  # /etc/passwd was never read
    assert _rows(store, "patient") == []


def test_malformed_odm_names_the_file_and_line(tmp_path, store):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "export.xml").write_text('<?xml version="1.0"?>\n<ODM>\n<ClinicalData>\n<SubjectData SubjectKey="A">\n</ClinicalData>\n</ODM>\n')
    with pytest.raises(IngestError) as caught:
        ingest_ecrf(store, folder)
    problem = caught.value.problems[0]
    assert problem.file == str(folder / "export.xml") and problem.line == 5 and "not well-formed" in problem.message


def test_a_folder_without_exports_is_an_error_saying_what_to_put_there(tmp_path, store):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(IngestError, match="no eCRF export in the folder"):
        ingest_ecrf(store, folder)


def test_ingest_ecrf_command_prints_the_version_and_uncurated_warnings(tmp_path, link_fixtures):
    home, folder = tmp_path / "node", link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml", "test_tumor_location_mapping.tsv")
    subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "init"], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "ingest", "ecrf", str(folder)], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "version 1:" in done.stdout and "1 patient" in done.stdout
    assert "FLD.CARCINOMA.PTUMLOC" in done.stderr and "Breast cancer" in done.stderr


def test_the_curation_loop_in_the_guide_prints_what_the_guide_shows(tmp_path, link_fixtures):
    """docs/ingest-ecrf.md: run, extend the table, run again — the version lines are the real ones."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "ingest-ecrf.md").read_text()
    loop = guide.split("## Reading the warnings", 1)[1]
    shown = [line for line in loop.splitlines() if line.startswith("version ")]
    home, folder = tmp_path / "node", link_fixtures(tmp_path / "exports", "test_cpct_ecrf.xml")
    table = folder / "tumor_location_mapping.tsv"
    table.write_text(HMF_TUMOR_HEADER + "Fechromocytoom\tAdrenal gland\tAdrenal medulla\tPheochromocytoma\t\t\t5719\t363355002\n")
    onconode = [sys.executable, "-m", "onconode", "--home", str(home)]
    subprocess.run([*onconode, "init"], check=True, capture_output=True)
    first = subprocess.run([*onconode, "ingest", "ecrf", str(folder)], check=False, capture_output=True, text=True)
    with table.open("a") as extended:
        extended.write("Breast cancer\tBreast\t\tCarcinoma\t\t\t1612\t254837009\n")
    second = subprocess.run([*onconode, "ingest", "ecrf", str(folder)], check=False, capture_output=True, text=True)
    assert [" ".join(first.stdout.split()), " ".join(second.stdout.split())] == shown  # Rich wraps at the terminal width
    assert "'Breast cancer' is not in the curation table" in first.stderr and "Breast cancer" not in second.stderr


def test_the_study_metadata_decodes_coded_items_and_ignores_definitions_inside_clinical_data(hmftools_fixtures):
    findings = Problems()
    odm = read_odm(hmftools_fixtures / "clinical" / "datamodel_example.xml", findings)
    assert findings.items == []
    assert odm.codelist_of_item == {"FLD.CATEGORY.int": "code.list"}
    assert odm.codelists["code.list"] == {"1": "x", "2": "y"}  # "1= x" → "x", as patient-db decodes it
    assert "do_not_read_this!" not in odm.item_names


def test_a_namespaced_odm_export_reads_like_a_plain_one(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ClinicalData StudyOID="CPCT2">'
        '<SubjectData SubjectKey="CPCT-02-01-0001"><StudyEventData StudyEventOID="SE.BASELINE" StudyEventRepeatKey="0">'
        '<FormData FormOID="FRM.DEMOGRAPHY" FormRepeatKey="0"><ItemGroupData ItemGroupOID="GRP.DEMOGRAPHY.DEMOGRAPHY" ItemGroupRepeatKey="0">'
        '<ItemData ItemOID="FLD.DEMOGRAPHY.BIRTHDTC" Value="1950-05-01"/></ItemGroupData></FormData></StudyEventData></SubjectData>'
        '</ClinicalData></ODM>\n'
    )
    odm = read_odm(path, Problems())
    [subject] = odm.subjects
    assert subject.first("SE.BASELINE", "FRM.DEMOGRAPHY", "GRP.DEMOGRAPHY.DEMOGRAPHY").value("FLD.DEMOGRAPHY.BIRTHDTC") == "1950-05-01"


def test_a_patient_in_two_exports_is_an_error_naming_both_files(tmp_path, store, link_fixtures):
    folder = link_fixtures(tmp_path / "export", "test_cpct_ecrf.xml")
    (folder / "resent.xml").symlink_to(folder / "test_cpct_ecrf.xml")
    with pytest.raises(IngestError) as caught:
        ingest_ecrf(store, folder)
    duplicate = [p for p in caught.value.problems if "duplicate row: patient_id CPCT02252500" in p.message]
    assert duplicate and str(folder / "resent.xml") in duplicate[0].file + duplicate[0].message
    assert str(folder / "test_cpct_ecrf.xml") in duplicate[0].file + duplicate[0].message
