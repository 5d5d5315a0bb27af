"""A documented set of common OncoTree codes mapped to the model's curated tumour fields.

Hartwig-style curation gives each sample a primary tumour location, type, sub-type and
Disease Ontology ids, so cohorts can be built the same way whatever the source. Codes
listed here load with primary_tumor_curated = true; any other code keeps cBioPortal's own
text (CANCER_TYPE, CANCER_TYPE_DETAILED, the code) with primary_tumor_curated = false.
"""

from __future__ import annotations

from typing import NamedTuple


class Curated(NamedTuple):
    location: str
    type: str
    sub_type: str
    doids: str


ONCOTREE: dict[str, Curated] = {
    "LUAD": Curated("Lung", "Carcinoma", "Adenocarcinoma", "3910"),
    "LUSC": Curated("Lung", "Carcinoma", "Squamous cell carcinoma", "3907"),
    "NSCLC": Curated("Lung", "Carcinoma", "Non-small cell carcinoma", "3908"),
    "SCLC": Curated("Lung", "Carcinoma", "Small cell carcinoma", "5409"),
    "IDC": Curated("Breast", "Carcinoma", "Invasive ductal carcinoma", "3008"),
    "ILC": Curated("Breast", "Carcinoma", "Invasive lobular carcinoma", "3454"),
    "BRCA": Curated("Breast", "Carcinoma", "", "1612"),
    "COAD": Curated("Colorectum", "Carcinoma", "Colon adenocarcinoma", "234"),
    "READ": Curated("Colorectum", "Carcinoma", "Rectal adenocarcinoma", "1996"),
    "PRAD": Curated("Prostate", "Carcinoma", "Adenocarcinoma", "2526"),
    "SKCM": Curated("Skin", "Melanoma", "Cutaneous melanoma", "8923"),
    "MEL": Curated("Skin", "Melanoma", "", "1909"),
    "PAAD": Curated("Pancreas", "Carcinoma", "Adenocarcinoma", "4074"),
    "GBM": Curated("Nervous system", "Glioma", "Glioblastoma", "3068"),
    "CCRCC": Curated("Kidney", "Carcinoma", "Clear cell renal cell carcinoma", "4467"),
    "HCC": Curated("Liver", "Carcinoma", "Hepatocellular carcinoma", "684"),
    "STAD": Curated("Stomach", "Carcinoma", "Adenocarcinoma", "3717"),
    "EAC": Curated("Esophagus", "Carcinoma", "Adenocarcinoma", "4914"),
    "HNSC": Curated("Head and neck", "Carcinoma", "Squamous cell carcinoma", "5520"),
    "CHOL": Curated("Biliary tract", "Carcinoma", "Cholangiocarcinoma", "4947"),
    "AML": Curated("Bone marrow", "Leukemia", "Acute myeloid leukemia", "9119"),
}


def curate(code: str | None) -> Curated | None:
    return ONCOTREE.get(code.strip().upper()) if code else None
