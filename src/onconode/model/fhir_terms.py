"""The FHIR R4 vocabulary onconode writes and reads: mCODE 4.0.0 (STU4) profiles on top of
Genomics Reporting 2.0.0 (the GR version mCODE 4.0.0 depends on; a bundle cannot claim
GR 3.0.0 at the same time), the code systems and codes, and onconode's own extensions for
what neither guide has an element for (treatment line, curated tumour names).

Why here (layer 0): the exporter (`exchange/fhir.py`) and the importer (`ingest/fhir.py`)
must speak exactly the same codes, or the round trip breaks; the model is the one layer
both may import. Every code below is either a published code (LOINC, SNOMED CT, HL7
terminology, NCIt) or onconode's own, under `ONCONODE`; nothing is made up in a
published system.
"""

from __future__ import annotations

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
GR = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
MCODE_VERSION, GR_VERSION, FHIR_VERSION = "4.0.0", "2.0.0", "4.0.1"

PROFILE = {
    "Bundle": MCODE + "mcode-patient-bundle",
    "Patient": MCODE + "mcode-cancer-patient",
    "Condition": MCODE + "mcode-primary-cancer-condition",
    "Specimen": MCODE + "mcode-human-specimen",
    "MedicationAdministration": MCODE + "mcode-cancer-related-medication-administration",
    "disease-status": MCODE + "mcode-cancer-disease-status",
    "tumor-marker": MCODE + "mcode-tumor-marker-test",
    "DiagnosticReport": MCODE + "mcode-genomics-report",
    "variant": MCODE + "mcode-genomic-variant",
    "region-studied": MCODE + "mcode-genomic-region-studied",
    "tmb": GR + "tmb",
    "msi": GR + "msi",
}

# code systems
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
HGNC = "http://www.genenames.org/geneId"
ENSEMBL = "http://www.ensembl.org"
HGVS = "http://varnomen.hgvs.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
SO = "http://www.sequenceontology.org"
ATC = "http://www.whocc.no/atc"
DOID = "http://purl.obolibrary.org/obo/doid.owl"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V2_0487 = "http://terminology.hl7.org/CodeSystem/v2-0487"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
EVIDENCE_TYPE = MCODE + "mcode-evidence-type"
VRS = "https://w3id.org/ga4gh/schema/vrs/2.0"  # the GA4GH VRS 2.0 schema namespace; codes are `ga4gh:VA.…`

# onconode's own: identifier systems, code systems and extensions
ONCONODE = "https://onconode.org/fhir/"
SID = {k: f"{ONCONODE}sid/{k}" for k in ("patient", "sample", "treatment", "dataset")}
CS_OBSERVATION = ONCONODE + "CodeSystem/observation"
CS_RESPONSE = ONCONODE + "CodeSystem/response"
CS_TISSUE = ONCONODE + "CodeSystem/tissue-source"
CS_HR_STATUS = ONCONODE + "CodeSystem/hr-status"
EXT_TREATMENT_LINE = ONCONODE + "StructureDefinition/treatment-line"
EXT_DRUG = ONCONODE + "StructureDefinition/drug"
EXT_TUMOR = ONCONODE + "StructureDefinition/curated-primary-tumor"
EXT_BIOPSY_LOCATION = ONCONODE + "StructureDefinition/biopsy-location"

# LOINC codes (all published; Genomics Reporting 2.0.0 uses them as component codes)
VARIANT_CODE = ("69548-6", "Genetic variant assessment")
REPORT_CODE = ("81247-9", "Master HL7 genetic variant reporting panel")
REGION_CODE = ("53041-0", "DNA region of interest panel")
DISEASE_STATUS_CODE = ("97509-4", "Cancer disease status")
TMB_CODE = ("94076-7", "Mutations/Megabase [# Ratio] in Tumor")
MSI_CODE = ("81695-9", "Microsatellite instability [Interpretation] in Cancer specimen Qualitative")
C_GENE = ("48018-6", "Gene studied [ID]")
C_GENOMIC_HGVS = ("81290-9", "Genomic DNA change (gHGVS)")
C_CODING_HGVS = ("48004-6", "DNA change (c.HGVS)")
C_PROTEIN_HGVS = ("48005-3", "Amino acid change (pHGVS)")
C_VAF = ("81258-6", "Sample variant allelic frequency [NFr]")
C_ALT_DEPTH = ("82121-5", "Allelic read depth")
C_COPY_NUMBER = ("82155-3", "Genomic structural variant copy number")
C_SOURCE = ("48002-0", "Genomic source class [Type]")
C_CHANGE_TYPE = ("48019-4", "DNA change type")
C_ALLELIC_STATE = ("53034-5", "Allelic state")
C_TRANSCRIPT = ("51958-7", "Transcript reference sequence [ID]")
C_REF_SEQ = ("48013-7", "Genomic reference sequence [ID]")
C_ASSEMBLY = ("62374-4", "Human reference sequence assembly version")
C_COORDINATES = ("92822-6", "Genomic coordinate system [Type]")
C_START_END = ("81254-5", "Genomic allele start-end")
C_REF_ALLELE = ("69547-8", "Genomic ref allele [ID]")
C_ALT_ALLELE = ("69551-0", "Genomic alt allele [ID]")
C_VARIATION = ("81252-9", "Discrete genetic variant")

ONE_BASED = ("LA30102-0", "1-based character counting")
SOURCE_CLASS = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
ASSEMBLY = {"GRCh37": ("LA14029-5", "GRCh37"), "GRCh38": ("LA26806-2", "GRCh38")}
MSI_ANSWER = {"MSS": ("LA14122-8", "Stable"), "MSI": ("LA26202-4", "MSI-H"), "UNKNOWN": ("LA4489-6", "Unknown")}
GENOTYPE = {"HET": ("LA6706-1", "Heterozygous"), "HOM_ALT": ("LA6705-3", "Homozygous")}
# Sequence Ontology: the model's variant types, and copy-number gain/loss for CNAs
CHANGE_TYPE = {"SNP": ("SO:0001483", "SNV"), "MNP": ("SO:0002007", "MNV"), "INDEL": ("SO:1000032", "delins"),
               "AMP": ("SO:0001742", "copy_number_gain"), "HOMDEL": ("SO:0001743", "copy_number_loss")}
# TMB / TML status as an interpretation: H high, L low, IND indeterminate
BURDEN = {"HIGH": ("H", "High"), "LOW": ("L", "Low"), "UNKNOWN": ("IND", "Indeterminate")}

# RECIST 1.1 → mCODE cancer disease status (ConditionStatusTrendVS and its max set); the
# model's own code goes beside it (CS_RESPONSE), so the exact category reads back.
DISEASE_STATUS = {
    "CR": ("550991000124107", "Malignant neoplasm in full remission (disorder)"),
    "PR": ("551001000124108", "Malignant neoplasm in partial remission (disorder)"),
    "SD": ("359746009", "Patient's condition stable (finding)"),
    "NON_CR_NON_PD": ("359746009", "Patient's condition stable (finding)"),
    "PD": ("271299001", "Patient's condition worsened (finding)"),
    "CLINICAL_PROGRESSION": ("271299001", "Patient's condition worsened (finding)"),
    "NE": ("709137006", "Patient condition undetermined (situation)"),
    "ND": ("709137006", "Patient condition undetermined (situation)"),
}
RESPONSE_NCIT = {"CR": ("C4870", "Complete Remission"), "PR": ("C18058", "Partial Remission"),
                 "SD": ("C18213", "Stable Disease"), "PD": ("C35571", "Progressive Disease")}
EVIDENCE = {"imaging": ("363679005", "Imaging (procedure)"), "clinical": ("5880005", "Physical examination procedure")}

# HL7 v2 table 0487 specimen types where one fits the model's tissue source
SPECIMEN_TYPE = {"tissue": ("TISS", "Tissue"), "blood": ("BLD", "Whole blood"), "bone_marrow": ("MAR", "Marrow"),
                 "lymph_node": ("TISS", "Tissue"), "skin": ("SKN", "Skin"), "saliva": ("SAL", "Saliva"),
                 "effusion": ("FLU", "Body fluid, unsp"), "cell_line": ("CELLS", "Cells"), "other": ("OTH", "Other")}

# onconode observation codes for values without a LOINC code
LOCAL = {
    "purity": "Tumour purity fitted from the genome (PURPLE), fraction",
    "ploidy": "Average tumour ploidy (PURPLE)",
    "hrd": "Homologous recombination deficiency probability (CHORD)",
    "hrd-type": "CHORD HRD type",
    "hr-status": "CHORD homologous recombination status",
    "ms-indels-per-mb": "Microsatellite indels per megabase",
    "pathology-tumor-percentage": "Tumour cell percentage estimated by the pathologist",
}
