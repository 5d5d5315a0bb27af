"""Curation tables: the embedded defaults, our layout, and Hartwig's real test tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.clinical_bundle import Findings
from onconode.ingest.curation import default_drug_table, default_tumor_table, load_curation, read_drug_table, read_tumor_table
from onconode.ingest.problems import IngestError
from onconode.model.codes import TREATMENT_TYPES

GOOD = Path(__file__).resolve().parents[1] / "data" / "clinical" / "good"

MECHANISMS = {
    "Anti-EGFR", "BRAF inhibitor", "MEK inhibitor", "Anti-PD-1", "Anti-PD-L1", "Anti-CTLA-4", "PARP inhibitor",
    "Platinum", "Antimetabolite", "Taxane", "Anthracycline", "Anti-HER2", "CDK4/6 inhibitor", "Anti-androgen",
    "Aromatase inhibitor", "EGFR TKI", "ALK inhibitor", "Anti-VEGF", "Alkylating", "Topoisomerase inhibitor",
    "Hypomethylating", "BCL2 inhibitor",
}


@pytest.mark.parametrize(
    "text, location, doids",
    [
        ("Breast cancer", "Breast", ("1612",)), ("colorectal carcinoma", "Colorectum", ("9256",)),
        ("NSCLC", "Lung", ("3908",)), ("small cell lung cancer", "Lung", ("5409",)),
        ("Prostate cancer", "Prostate", ("10283",)), ("Melanoma", "Skin", ("8923",)),
        ("Sarcoma", "Bone/Soft tissue", ("1115",)), ("Ovarian cancer", "Ovary", ("2394",)),
        ("Pancreatic cancer", "Pancreas", ("1793",)), ("oesophageal cancer", "Esophagus", ("5041",)),
        ("gastric cancer", "Stomach", ("10534",)), ("Urothelial carcinoma", "Urothelial tract", ("4006",)),
        ("Renal cell carcinoma", "Kidney", ("4450",)), ("Head and neck squamous cell carcinoma", "Head and neck", ("5520",)),
        ("Hepatocellular carcinoma", "Liver", ("684",)), ("Cholangiocarcinoma", "Bile duct", ("4947",)),
        ("Glioblastoma", "Nervous system", ("3068",)), ("Mesothelioma", "Mesothelium", ("1790",)),
        ("Neuroendocrine tumour", "Neuroendocrine", ("169",)), ("Cancer of unknown primary", "CUP", ("162",)),
        ("Acute myeloid leukaemia", "Bone marrow", ("9119",)), ("acute lymphoblastic leukemia", "Bone marrow", ("9952",)),
        ("Multiple myeloma", "Bone marrow", ("9538",)), ("Lymphoma", "Lymphoid tissue", ("0060058",)),
    ],
)
def test_default_tumor_table_covers_the_common_tumour_types(text, location, doids):
    found = default_tumor_table().lookup(text)
    assert found is not None and found.location == location and found.doids == doids


@pytest.mark.parametrize(
    "name, drug, mechanism, atc",
    [
        ("cetuximab", "Cetuximab", "Anti-EGFR", "L01FE01"), ("Vectibix", "Panitumumab", "Anti-EGFR", "L01FE02"),
        ("dabrafenib", "Dabrafenib", "BRAF inhibitor", "L01EC02"), ("Mekinist", "Trametinib", "MEK inhibitor", "L01EE01"),
        ("Keytruda", "Pembrolizumab", "Anti-PD-1", "L01FF02"), ("atezolizumab", "Atezolizumab", "Anti-PD-L1", "L01FF05"),
        ("ipilimumab", "Ipilimumab", "Anti-CTLA-4", "L01FX04"), ("olaparib", "Olaparib", "PARP inhibitor", "L01XK01"),
        ("Zejula", "Niraparib", "PARP inhibitor", "L01XK02"), ("tamoxifen", "Tamoxifen", "Anti-estrogen", "L02BA01"),
        ("enzalutamide", "Enzalutamide", "Anti-androgen", "L02BB04"), ("abiraterone", "Abiraterone", "Anti-androgen", "L02BX03"),
        ("osimertinib", "Osimertinib", "EGFR TKI", "L01EB04"), ("alectinib", "Alectinib", "ALK inhibitor", "L01ED03"),
        ("Herceptin", "Trastuzumab", "Anti-HER2", "L01FD01"), ("palbociclib", "Palbociclib", "CDK4/6 inhibitor", "L01EF01"),
        ("Ara-C", "Cytarabine", "Antimetabolite", "L01BC01"), ("daunorubicin", "Daunorubicin", "Anthracycline", "L01DB02"),
        ("Vidaza", "Azacitidine", "Hypomethylating", "L01BC07"), ("venetoclax", "Venetoclax", "BCL2 inhibitor", "L01XX52"),
    ],
)
def test_default_drug_table_maps_names_and_synonyms_to_drug_mechanism_and_atc(name, drug, mechanism, atc):
    found = default_drug_table().lookup(name)
    assert (found.drug, found.mechanism, found.atc_code) == (drug, mechanism, atc)


def test_default_drug_table_uses_the_model_types_and_the_documented_mechanisms():
    drugs = default_drug_table().drugs()
    assert {d.type for d in drugs} <= set(TREATMENT_TYPES)
    assert MECHANISMS <= {d.mechanism for d in drugs}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "clinical-tsv.md").read_text()
    assert all(f"`{d.mechanism}`" in doc for d in drugs), "every mechanism of the default table is documented"


def test_hartwig_curation_tables_are_read_by_their_header(hmftools_fixtures):
    findings = Findings()
    tumors = read_tumor_table(hmftools_fixtures / "clinical" / "test_tumor_location_mapping.tsv", findings)
    drugs = read_drug_table(hmftools_fixtures / "clinical" / "test_treatment_mapping.tsv", findings)

    assert findings.errors == []
    pheo = tumors.lookup("maligne feochromocytoom")
    assert (pheo.location, pheo.sub_location, pheo.type, pheo.sub_type, pheo.doids) == (
        "Adrenal gland", "Adrenal medulla", "Pheochromocytoma", "Malignant pheochromocytoma", ("0080347",)
    )
    assert tumors.lookup("desmoïd tumor").doids == ("0080366",)
    assert drugs.lookup("ZITHROMAX").drug == "Azithromycin"
    assert drugs.lookup("Mefenamic acid").mechanism == "Platinum"  # values are trimmed
    assert drugs.lookup("Bevacizumab").type == "Targeted therapy"
    # the fixture's fake types are not model types: loaded as Other, each with a warning
    assert drugs.lookup("Zocor").type == "Other"
    assert ("test_treatment_mapping.tsv", 2, "Treatment Type") in [(Path(p.file).name, p.line, p.column) for p in findings.warnings]


def test_ingest_with_the_hartwig_tables_via_curation_folder(store, tmp_path, hmftools_fixtures):
    folder = tmp_path / "clinical"
    shutil.copytree(GOOD, folder)
    biopsies = folder / "biopsies.tsv"
    biopsies.write_text(biopsies.read_text().replace("Mammacarcinoom", "Fechromocytoom"))
    treatments = folder / "treatments.tsv"
    treatments.write_text(treatments.read_text().replace("Letrozole + Palbociclib", "Zithromax + Avastin"))

    report = ingest_clinical(store, folder, curation=hmftools_fixtures / "clinical")

    assert store.con.execute("SELECT primary_tumor_location, primary_tumor_type, primary_tumor_doids FROM sample WHERE sample_id = 'HMF000001A'").fetchall() == [
        ("Adrenal gland", "Pheochromocytoma", "5719")
    ]
    assert store.con.execute("SELECT drug, type, mechanism FROM treatment_drug WHERE treatment_id = 'T1' ORDER BY 1").fetchall() == [
        ("Azithromycin", "Other", "qq"), ("Bevacizumab", "Targeted therapy", "mTOR inhibitor"),
    ]
    # the Hartwig tables replace ours: NSCLC is not in them
    assert any("'NSCLC' is not in the curation table" in p.message for p in report.problems)


def test_curation_folder_problems_are_reported_with_their_location(store, tmp_path):
    cur = tmp_path / "cur"
    cur.mkdir()
    (cur / "treatment_mapping.tsv").write_text(
        "drug\tsynonyms\ttype\tmechanism\tatc_code\nAlpha\tA1|shared\tChemotherapy\tAlkylating\tL01AA99\nBeta\tshared\tChemotherapy\t\tnot-atc\n"
    )
    (cur / "tumor_location_mapping.tsv").write_text("searchTerm\tprimaryTumorLocation\tprimaryTumorSubLocation\tprimaryTumorType\tprimaryTumorSubType\tdoids\nX\tLung\t\t\t\tDOID:abc\n")
    with pytest.raises(IngestError) as exc:
        ingest_clinical(store, GOOD, curation=cur)
    where = {(Path(p.file).name, p.line, p.column) for p in exc.value.problems}
    assert {("treatment_mapping.tsv", 3, "synonyms"), ("treatment_mapping.tsv", 3, "atc_code"), ("tumor_location_mapping.tsv", 2, "doids")} <= where


def test_a_curation_folder_without_tables_is_an_error():
    findings = Findings()
    load_curation(Path(__file__).parent, findings)
    assert "no tumor_location_mapping.tsv or treatment_mapping.tsv" in findings.errors[0].message
