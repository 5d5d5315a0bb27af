"""Broken studies are refused like cBioPortal's validator refuses them: every problem, located, nothing loaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.problems import IngestError, Problem
from onconode.store import Store

FULL = Path(__file__).resolve().parents[1] / "data" / "cbioportal" / "full"


def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(study: Path) -> None:
        path = study / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))
    return apply


def remove(name: str) -> Callable[[Path], None]:
    return lambda study: (study / name).unlink()


def append(name: str, line: str) -> Callable[[Path], None]:
    return lambda study: (study / name).write_text((study / name).read_text() + line + "\n")


# (how the study is broken, file, line, column, words of the message)
BROKEN = {
    "no meta_study": (remove("meta_study.txt"), "meta_study.txt", None, None, "no meta_study file"),
    "meta_study without a name": (edit("meta_study.txt", "name: onconode full test study\n", ""), "meta_study.txt", None, "name", "required field 'name'"),
    "data_filename to a missing file": (edit("meta_cna.txt", "data_cna.txt", "data_cna_v2.txt"), "meta_cna.txt", 8, "data_filename", "not in the study folder"),
    "unknown alteration type and datatype": (edit("meta_sv.txt", "datatype: SV", "datatype: FUSION"), "meta_sv.txt", None, "genetic_alteration_type", "FUSION format is deprecated"),
    "a profile stable_id the type does not allow": (edit("meta_cna.txt", "stable_id: gistic", "stable_id: cnv"), "meta_cna.txt", 4, "stable_id", "not valid"),
    "a meta file of another study": (edit("meta_sv.txt", "cancer_study_identifier: onco_full", "cancer_study_identifier: onco_other"), "meta_sv.txt", 1, "cancer_study_identifier", "meta_study says 'onco_full'"),
    "metadata line shorter than the header": (edit("data_clinical_sample.txt", "\tMSIsensor score\n", "\n"), "data_clinical_sample.txt", 2, None, "descriptions line has 9 columns where the attribute header has 10"),
    "a datatype that is not STRING, NUMBER or BOOLEAN": (edit("data_clinical_patient.txt", "#STRING\tSTRING\tNUMBER", "#STRING\tSTRING\tINTEGER"), "data_clinical_patient.txt", 3, "AGE", "not STRING, NUMBER or BOOLEAN"),
    "a priority that is not a number": (edit("data_clinical_patient.txt", "#1\t9\t8", "#1\t9\thigh"), "data_clinical_patient.txt", 4, "AGE", "priority 'high'"),
    "only three metadata lines": (edit("data_clinical_patient.txt", "#1\t9\t8\t1\t1\n", ""), "data_clinical_patient.txt", 4, None, "3 of the 4 '#' metadata lines"),
    "a banned computed attribute": (edit("data_clinical_patient.txt", "OS_MONTHS\n", "MUTATION_COUNT\n"), "data_clinical_patient.txt", 5, "MUTATION_COUNT", "computed by cBioPortal"),
    "non-numeric NUMBER attribute": (edit("data_clinical_sample.txt", "\t0.62\t", "\thigh\t"), "data_clinical_sample.txt", 6, "TUMOR_PURITY", "'high' is not a number"),
    # (the legacy unprefixed LIVING / DECEASED load, with a warning: test_cbioportal_survival.py)
    "survival status without 0:/1: prefix": (edit("data_clinical_patient.txt", "1:DECEASED", "DEAD"), "data_clinical_patient.txt", 6, "OS_STATUS", "not a valid OS_STATUS"),
    "invalid characters in a sample id": (edit("data_clinical_sample.txt", "FULL-P4\tFULL-P4-T1", "FULL-P4\tFULL P4 T1"), "data_clinical_sample.txt", 10, "SAMPLE_ID", "contains ' '"),
    "a sample listed twice": (append("data_clinical_sample.txt", "FULL-P4\tFULL-P4-T1\tSarcoma\tLeiomyosarcoma\tLMS\tMetastasis\tLung\t0.35\t0.4\tNA"), "data_clinical_sample.txt", 11, "SAMPLE_ID", "listed twice (first on line 10)"),
    "a sample whose patient is not in the patient file": (edit("data_clinical_sample.txt", "FULL-P4\tFULL-P4-T1", "FULL-P9\tFULL-P4-T1"), "data_clinical_sample.txt", 10, "PATIENT_ID", "patient FULL-P9 of sample FULL-P4-T1 is not in the clinical patient file"),
    "an attribute at both levels": (edit("data_clinical_sample.txt", "\tMSI_SCORE\n", "\tAGE\n"), "data_clinical_sample.txt", 5, "AGE", "both the patient and the sample file"),
    "CNA value outside -2..2": (edit("data_cna.txt", "ERBB2\t2064\t2\t", "ERBB2\t2064\t3\t"), "data_cna.txt", 3, "FULL-P1-T1", "'3' is not a discrete copy-number value"),
    "duplicate sample in the CNA matrix header": (edit("data_cna.txt", "\tFULL-P3-T1\n", "\tFULL-P2-T1\n"), "data_cna.txt", 1, "FULL-P2-T1", "has two columns"),
    "CNA sample not in the clinical file": (edit("data_cna.txt", "\tFULL-P3-T1\n", "\tFULL-P5-T1\n"), "data_cna.txt", 1, "FULL-P5-T1", "not in the clinical sample file"),
    "CNA without its _cna case list": (remove("case_lists/cases_cna.txt"), "case_lists", None, None, "no onco_full_cna case list"),
    "mutations without the _sequenced case list": (remove("case_lists/cases_sequenced.txt"), "case_lists", None, None, "no onco_full_sequenced case list"),
    "case list naming an unknown sample": (edit("case_lists/cases_sv.txt", "FULL-P4-T1", "FULL-P7-T1"), "cases_sv.txt", 6, "case_list_ids", "FULL-P7-T1"),
    "case list stable_id of another study": (edit("case_lists/cases_sv.txt", "stable_id: onco_full_sv", "stable_id: sv"), "cases_sv.txt", 2, "stable_id", "does not start with 'onco_full_'"),
    "SV sample not in the clinical file": (edit("data_sv.txt", "FULL-P2-T1\tSOMATIC", "FULL-P6-T1\tSOMATIC"), "data_sv.txt", 3, "Sample_Id", "not in the clinical sample file"),
    "SV position beyond the hg19 chromosome": (edit("data_sv.txt", "42492091", "342492091"), "data_sv.txt", 2, "Site1_Position", "outside chromosome 2 of GRCh37"),
    "SV status that is not SOMATIC or GERMLINE": (edit("data_sv.txt", "SOMATIC", "somatic?"), "data_sv.txt", 2, "SV_Status", "not SOMATIC or GERMLINE"),
    "timeline columns out of order": (edit("data_timeline_treatment.txt", "PATIENT_ID\tSTART_DATE\tSTOP_DATE", "PATIENT_ID\tSTOP_DATE\tSTART_DATE"), "data_timeline_treatment.txt", 1, None, "in this order"),
    "treatment stopping before it starts": (edit("data_timeline_treatment.txt", "FULL-P3\t200\t230", "FULL-P3\t200\t190"), "data_timeline_treatment.txt", 7, "STOP_DATE", "before it starts"),
    "timeline patient not in the clinical files": (edit("data_timeline_treatment.txt", "FULL-P2\t-20", "FULL-P8\t-20"), "data_timeline_treatment.txt", 5, "PATIENT_ID", "patient FULL-P8"),
    "reference genome that is not human": (edit("meta_study.txt", "reference_genome: hg19", "reference_genome: mm10"), "meta_study.txt", 7, "reference_genome", "not a human build"),
}


def broken_study(tmp_path: Path, how: Callable[[Path], None]) -> Path:
    study = shutil.copytree(FULL, tmp_path / "study")
    how(study)
    return study


def problem_matching(problems: list[Problem], file: str, words: str) -> Problem:
    found = [p for p in problems if p.file.endswith(file) and words in str(p)]
    assert found, f"no problem in {file} saying {words!r}; got:\n" + "\n".join(map(str, problems))
    return found[0]


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_study_is_refused_with_the_location_and_nothing_loads(store: Store, tmp_path: Path, case: str):
    how, file, line, column, words = BROKEN[case]
    study = broken_study(tmp_path, how)
    before = store.current_version
    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, study)
    problem = problem_matching(caught.value.problems, file, words)
    assert (problem.line, problem.column) == (line, column), str(problem)
    assert store.current_version == before
    assert sum(store.counts().values()) == 0


def test_every_problem_of_every_file_is_reported_together(store: Store, tmp_path: Path):
    def break_three(study: Path) -> None:
        edit("data_cna.txt", "ERBB2\t2064\t2\t", "ERBB2\t2064\tx\t")(study)
        edit("data_cna.txt", "MYC\t4609\t2\t", "MYC\t4609\t-3\t")(study)
        edit("data_clinical_sample.txt", "\t12.4\t", "\tmany\t")(study)
        edit("data_sv.txt", "42492091", "342492091")(study)

    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, broken_study(tmp_path, break_three))
    problems = caught.value.problems
    assert len(problems) == 4, "\n".join(map(str, problems))
    text = str(caught.value)
    assert "data_cna.txt:3: column FULL-P1-T1" in text and "data_cna.txt:4: column FULL-P1-T1" in text
    assert "data_clinical_sample.txt:6: column TMB_NONSYNONYMOUS" in text
    assert "data_sv.txt:2: column Site1_Position" in text
    assert "nothing was loaded" in text


def test_a_failing_mutation_file_rolls_back_the_whole_study(store: Store, tmp_path: Path):
    study = broken_study(tmp_path, edit("data_mutations.txt", "\tFULL-P3-T1\t", "\tFULL-P9-T1\t"))
    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, study)
    assert any(p.file.endswith("data_mutations.txt") for p in caught.value.problems)
    assert store.current_version == 0
    assert sum(store.counts().values()) == 0


def test_study_folder_that_does_not_exist(store: Store, tmp_path: Path):
    with pytest.raises(IngestError, match="not a folder"):
        ingest_cbioportal(store, tmp_path / "nowhere")


def test_valid_but_unsupported_profiles_load_the_rest_with_a_warning(store: Store, tmp_path: Path):
    def add_expression(study: Path) -> None:
        (study / "meta_expression.txt").write_text(
            "cancer_study_identifier: onco_full\ngenetic_alteration_type: MRNA_EXPRESSION\ndatatype: CONTINUOUS\n"
            "stable_id: rna_seq_mrna\nshow_profile_in_analysis_tab: false\nprofile_name: mRNA\nprofile_description: mRNA\n"
            "data_filename: data_expression.txt\n")
        (study / "data_expression.txt").write_text("Hugo_Symbol\tFULL-P1-T1\nEGFR\t2.5\n")

    report = ingest_cbioportal(store, broken_study(tmp_path, add_expression))
    assert report.rows["patient"] == 4
    assert any("MRNA_EXPRESSION CONTINUOUS data is valid but not loaded" in str(p) for p in report.problems)
