"""Haematological samples in the clinical model: tumour from blood or bone marrow, the
matched normal from skin or saliva, the haematological diagnosis and the ELN 2022 risk."""

from __future__ import annotations

import pytest

from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.problems import IngestError
from onconode.model import TABLES_BY_NAME
from tests.ingest.test_clinical import clinical_folder, problems_of, rows

HEADER = "pathology_tumor_percentage"
HAEM = "pathology_tumor_percentage\tnormal_tissue_source\thaematological_diagnosis\thaematological_diagnosis_code\teln_risk"


def _aml(tmp_path, code="9869/3", risk="Adverse"):
    return clinical_folder(tmp_path, {"biopsies.tsv": [
        (HEADER, HAEM),
        ("HMF000001A\tHMF000001\t2019-03-05\t2019-03-08\ttissue\tLiver\tsegment 7\tMammacarcinoom\t\t60",
         f"HMF000001A\tHMF000001\t2019-03-05\t2019-03-08\tbone marrow\tBone marrow\tiliac crest\tMammacarcinoom\t\t60\tskin\tAML with inv(3)\t{code}\t{risk}"),
        ("HMF000002A\tHMF000002\t2020-01-20\t2020-01-23\ttissue\tLymph node\tneck\tNSCLC\t\t40",
         "HMF000002A\tHMF000002\t2020-01-20\t2020-01-23\ttissue\tLymph node\tneck\tNSCLC\t\t40\tblood\t\t\t"),
    ]})


def test_the_model_holds_haematological_sample_sources_diagnosis_and_eln_risk():
    sample = TABLES_BY_NAME["sample"]
    assert {"blood", "bone_marrow", "skin", "saliva", "tissue"} <= set(sample.column("tissue_source").codes)
    assert {"skin", "saliva", "blood"} <= set(sample.column("normal_tissue_source").codes)
    assert sample.column("eln_risk").codes == ("favorable", "intermediate", "adverse")
    assert {"haematological_diagnosis", "haematological_diagnosis_code"} <= set(sample.column_names)


def test_a_bone_marrow_tumour_with_a_skin_normal_loads_with_its_diagnosis_and_eln_risk(store, tmp_path):
    ingest_clinical(store, _aml(tmp_path))
    assert rows(store, "SELECT sample_id, tissue_source, normal_tissue_source, haematological_diagnosis, haematological_diagnosis_code, eln_risk FROM sample ORDER BY 1") == [
        ("HMF000001A", "bone_marrow", "skin", "AML with inv(3)", "9869/3", "adverse"),
        ("HMF000002A", "tissue", "blood", None, None, None),
    ]


@pytest.mark.parametrize("code, risk, column", [("AML", "adverse", "haematological_diagnosis_code"), ("9869/3", "very high", "eln_risk")])
def test_a_diagnosis_code_or_eln_risk_outside_its_list_is_an_error_at_its_cell(store, tmp_path, code, risk, column):
    with pytest.raises(IngestError) as caught:
        ingest_clinical(store, _aml(tmp_path, code, risk))
    assert ("biopsies.tsv", 2, column) in problems_of(caught)
