"""`onconode ingest ecrf DIR`: hospital eCRF exports as they arrive, curated into the model.

DIR holds any of: CDISC ODM-XML exports of the study forms (CPCT-02 / DRUP style),
WIDE CSV exports (wide_*.csv), the LIMS export (lims.json), the consent-form
configuration (informed_consents.tsv) and the curation tables
(*tumor_location_mapping.tsv, *treatment_mapping.tsv, *biopsy_site_mapping.tsv,
*tumor_location_overrides.tsv). One run is one store version that replaces the clinical
rows of the patients it holds and nothing else, so a data manager who extends a curation
table runs the same command again without touching the genomics.
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.clinical_bundle import (
    Bundle,
    Findings,
    Record,
    current_rows,
    load_bundle,
)
from onconode.ingest.clinical_checks import check_bundle, check_values
from onconode.ingest.curation import (
    BIOPSY_SITE_FILE,
    DRUG_FILE,
    TUMOR_FILE,
    TUMOR_OVERRIDE_FILE,
    Curation,
    default_drug_table,
    default_tumor_table,
    load_curation,
)
from onconode.ingest.ecrf.consents import CONSENT_FILE, read_consent_config
from onconode.ingest.ecrf.cpct import read_cpct
from onconode.ingest.ecrf.drup import is_drup, read_drup
from onconode.ingest.ecrf.harmonize import Options, harmonize
from onconode.ingest.ecrf.lims import read_lims
from onconode.ingest.ecrf.odm import looks_like_odm, read_odm
from onconode.ingest.ecrf.wide import FILES as WIDE_FILES
from onconode.ingest.ecrf.wide import read_wide
from onconode.ingest.report import IngestReport
from onconode.progress import Progress, silent
from onconode.store import Store

CURATION_FILES = (TUMOR_FILE, DRUG_FILE, BIOPSY_SITE_FILE, TUMOR_OVERRIDE_FILE)
LIMS_FILE = "lims.json"
DEFAULT_CONSENT_DUO = "DUO:0000042"

__all__ = ["ingest_ecrf", "read_ecrf_folder"]


def _curation(folder: Path, findings: Findings) -> Curation:
    if any(p.name.endswith(CURATION_FILES) for p in folder.iterdir() if p.is_file()):
        return load_curation(folder, findings)
    return Curation(default_tumor_table(), default_drug_table())


def read_ecrf_folder(folder: Path, store: Store, findings: Findings, *, dataset: str | None = None,
                     consent_duo: str = DEFAULT_CONSENT_DUO, progress: Progress = silent) -> Bundle:
    """Read and curate every export in `folder` into a Bundle (reads the store only to
    know which datasets exist)."""
    folder = Path(folder)
    bundle = Bundle("ecrf", f"eCRF exports from {folder}", str(folder))
    if not folder.is_dir():
        findings.error(str(folder), None, None, "not a folder", "point `ingest ecrf` at the folder holding the eCRF exports and curation tables")
        return bundle
    hint = f"add it to the curation table in {folder} and run `onconode ingest ecrf {folder}` again (only the clinical rows are replaced)"
    curation = _curation(folder, findings)
    lims_path = folder / LIMS_FILE
    lims = read_lims(lims_path, findings) if lims_path.is_file() else None
    consents_path = folder / CONSENT_FILE
    consents = read_consent_config(consents_path, findings) if consents_path.is_file() else None
    used: set[str] = {*CURATION_FILES, CONSENT_FILE}
    sources = []
    xmls = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    with progress("reading eCRF exports", len(xmls) + 1) as advance:
        for path in xmls:
            used.add(path.name)
            if looks_like_odm(path):
                odm = read_odm(path, findings)
                if odm is not None and odm.subjects:
                    read = read_drup if is_drup(odm) else read_cpct
                    sources.append((dataset or odm.study or path.stem, odm.protocol or odm.study or path.stem, read(odm, findings)))
            else:
                findings.warning(str(path), None, None, "not an ODM-XML export (the root element is not <ODM>); it is ignored",
                                 "export the study forms as CDISC ODM-XML")
            advance(1)
        if any((folder / name).is_file() for name in WIDE_FILES):
            used.update(WIDE_FILES)
            sources.append((dataset or "WIDE", "WIDE", read_wide(folder, findings)))
        advance(1)
    for other in sorted(p for p in folder.iterdir() if p.is_file()):
        if other.name not in used and other.name != LIMS_FILE and not other.name.endswith(CURATION_FILES):
            findings.warning(str(other), None, None, "not a file `ingest ecrf` reads; it is ignored",
                             "see docs/ingest-ecrf.md for the files it reads (ODM-XML, wide_*.csv, lims.json, informed_consents.tsv, curation tables)")
    if not sources:
        findings.error(str(folder), None, None, "no eCRF export in the folder (no ODM-XML with subjects, no wide_*.csv)",
                       "put the study's ODM-XML export and/or the WIDE CSV exports in the folder")
        return bundle
    stored = {row[0] for row in current_rows(store, "dataset", ["dataset_id"], "dataset_id", [s[0] for s in sources])}
    for dataset_id, title, patients in sources:
        harmonize(patients, curation, lims, Options(dataset_id, consent_duo, hint, consents), findings, bundle)
        loaded = any(r["dataset_id"] == dataset_id for r in bundle.records["patient"])
        if loaded and dataset_id not in stored and all(r["dataset_id"] != dataset_id for r in bundle.records["dataset"]):
            bundle.add("dataset", Record({"dataset_id": dataset_id, "title": f"{title} eCRF", "description": f"Clinical data from the {title} eCRF export",
                                          "node": None, "consent_duo": consent_duo, "licence_type": None}, str(folder), None))
    bundle.sent.update({"patient", "consent", "sample", "treatment", "treatment_drug", "treatment_response"})
    if bundle.records["dataset"]:
        bundle.sent.add("dataset")
    return bundle


def ingest_ecrf(store: Store, path: Path, *, dataset: str | None = None, consent_duo: str = DEFAULT_CONSENT_DUO,
                progress: Progress = silent) -> IngestReport:
    """Load a folder of eCRF exports as one store version; raises IngestError listing every
    problem (and loads nothing) if any export is wrong."""
    findings = Findings()
    bundle = read_ecrf_folder(Path(path), store, findings, dataset=dataset, consent_duo=consent_duo, progress=progress)
    check_values(bundle, findings)
    check_bundle(bundle, store, findings)
    return load_bundle(store, bundle, findings, progress=progress)
