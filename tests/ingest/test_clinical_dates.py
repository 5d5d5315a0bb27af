"""Dates in an order that cannot happen are refused with their location, in every reader of clinical dates:
death or last follow-up before diagnosis, follow-up after death, a biopsy, treatment or response after
death, a response before its treatment (the clinical TSV and Phenopackets share the checks; cBioPortal
counts from diagnosis, so a negative OS_MONTHS is its death before diagnosis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.phenopackets import ingest_phenopackets
from onconode.ingest.problems import IngestError
from test_cbioportal_validation import broken_study, edit
from test_clinical import clinical_folder

PHENOPACKETS = Path(__file__).resolve().parents[1] / "data" / "phenopackets"
# HMF000002: diagnosed 2019-12-01, biopsy 2020-01-20, T2 2020-02-01..2020-09-15, died 2021-02-03 (= last follow-up).
DEATH = ("2021-02-03\t2021-02-03", "{death}\t{seen}")


def patient2(death: str, seen: str) -> dict:
    return {"patients.tsv": [(DEATH[0], DEATH[1].format(death=death, seen=seen))]}


@pytest.mark.parametrize("edits, where, message", [
    (patient2("2019-11-01", "2019-11-01"), ("patients.tsv", 3, "death_date"), "the death (2019-11-01) is before the diagnosis (2019-12-01)"),
    (patient2("", "2019-10-01"), ("patients.tsv", 3, "last_follow_up_date"), "the last follow-up (2019-10-01) is before the diagnosis"),
    (patient2("2021-02-03", "2021-05-01"), ("patients.tsv", 3, "last_follow_up_date"), "the last follow-up (2021-05-01) is after the death"),
    (patient2("2020-01-10", "2020-01-10"), ("biopsies.tsv", 3, "sampling_date"), "the biopsy (2020-01-20) after the patient's death (2020-01-10"),
    (patient2("2020-01-25", "2020-01-25"), ("treatments.tsv", 3, "start_date"), "the treatment starts (2020-02-01) after the patient's death"),
    (patient2("2020-09-01", "2020-09-01"), ("treatments.tsv", 3, "end_date"), "the treatment ends (2020-09-15) after the patient's death"),
    (patient2("2020-09-12", "2020-09-12"), ("treatments.tsv", 3, "end_date"), "after the patient's death (2020-09-12, "),
    ({"responses.tsv": [("2019-07-01", "2019-03-20")]}, ("responses.tsv", 2, "response_date"), "dated before its treatment started"),
])
def test_clinical_tsv_dates_in_an_impossible_order_are_refused_at_their_location(store, tmp_path, edits, where, message):
    with pytest.raises(IngestError) as caught:
        ingest_clinical(store, clinical_folder(tmp_path, edits))
    found = [p for p in caught.value.problems if (Path(p.file).name, p.line, p.column) == where and message in p.message]
    assert found, "\n".join(map(str, caught.value.problems))
    assert store.current_version == 0


def test_a_response_after_death_names_where_the_death_is_recorded(store, tmp_path):
    with pytest.raises(IngestError) as caught:
        ingest_clinical(store, clinical_folder(tmp_path, patient2("2020-09-05", "2020-09-05") | {"treatments.tsv": [("2020-09-15", "")]}))
    (p,) = [p for p in caught.value.problems if p.column == "response_date"]
    assert (Path(p.file).name, p.line) == ("responses.tsv", 4) and "patients.tsv:3: death_date" in p.message


def _packet(tmp_path: Path, change) -> Path:
    packet = json.loads((PHENOPACKETS / "melanoma_braf.json").read_text())
    change(packet)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(packet))
    return path


def _dies(when: str):
    def change(packet: dict) -> None:
        packet["subject"]["vitalStatus"] = {"status": "DECEASED", "timeOfDeath": {"timestamp": when}}
        packet["subject"]["timeAtLastEncounter"] = {"timestamp": when}
    return change


@pytest.mark.parametrize("change, column, message", [
    (_dies("2019-05-01T00:00:00Z"), "subject.vitalStatus.timeOfDeath", "is before the diagnosis (2019-06-12)"),
    (_dies("2019-06-20T00:00:00Z"), "biosamples[0].timeOfCollection", "the biopsy (2019-07-01) after the patient's death (2019-06-20"),
    (lambda p: p["subject"].__setitem__("timeAtLastEncounter", {"timestamp": "2019-01-01T00:00:00Z"}),
     "subject.timeAtLastEncounter", "the last follow-up (2019-01-01) is before the diagnosis"),
])
def test_phenopacket_dates_in_an_impossible_order_are_refused_at_their_field(store, tmp_path, change, column, message):
    with pytest.raises(IngestError) as caught:
        ingest_phenopackets(store, _packet(tmp_path, change), dataset="META")
    found = [p for p in caught.value.problems if p.column == column and message in p.message]
    assert found, "\n".join(map(str, caught.value.problems))


def test_cbioportal_death_before_diagnosis_is_refused(store, tmp_path):
    study = broken_study(tmp_path, edit("data_clinical_patient.txt", "1:DECEASED", "1:DECEASED"))
    text = (study / "data_clinical_patient.txt").read_text().splitlines()
    line = next(i for i, row in enumerate(text) if "1:DECEASED" in row)
    cells = text[line].split("\t")
    header = text[4].split("\t")
    cells[header.index("OS_MONTHS")] = "-3"
    text[line] = "\t".join(cells)
    (study / "data_clinical_patient.txt").write_text("\n".join(text) + "\n")
    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, study)
    assert any(p.column == "OS_MONTHS" and p.line == line + 1 and "negative" in p.message for p in caught.value.problems)


def test_cbioportal_timeline_event_after_the_death_os_months_records_is_reported_at_its_line(store, tmp_path):
    # FULL-P1 died at OS_MONTHS 12 (day 365); its Osimertinib starts on day 150. Day 500 is after death.
    report = ingest_cbioportal(store, broken_study(tmp_path, edit("data_timeline_treatment.txt", "FULL-P1\t150\t", "FULL-P1\t500\t")))
    found = [p for p in report.problems if p.file.endswith("data_timeline_treatment.txt") and p.column == "START_DATE"]
    assert found and found[0].line == 4 and "day 500 is after the patient's death (OS_MONTHS puts it at day 365)" in found[0].message


def test_cbioportal_timeline_within_the_rounding_of_os_months_is_not_reported(store, tmp_path):
    report = ingest_cbioportal(store, broken_study(tmp_path, edit("data_timeline_treatment.txt", "FULL-P1\t150\t", "FULL-P1\t370\t")))
    assert not [p for p in report.problems if "after the patient's death" in p.message]
