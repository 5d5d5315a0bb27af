"""FHIR R4 mCODE patient bundles → the harmonized model (`onconode ingest fhir PATH`).

Reads what `onconode export fhir` writes (mCODE 4.0.0 + Genomics Reporting 2.0.0, codes in
`model/fhir_terms.py`), and bundles of other systems as far as they use the same elements:
Patient → patient; primary cancer Condition → the samples' primary tumour and the
diagnosis date; Specimen → sample; MedicationAdministration → treatment (its line from
the treatment-line extension) and treatment_drug; cancer disease status → treatment_response;
the genomics report's region studied and tumour marker tests → tumor_profile; Variant
observations that carry position, ref and alt → somatic_variant / germline_variant.

Every file is checked first (FHIR datatypes with `fhir.resources`, mCODE must-haves:
`ingest/fhir_checks.py`); any problem in any file is reported with the file and JSON path
and nothing is loaded. Everything loads as one store version (one transaction).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from onconode.ingest.clinical_bundle import Bundle, Findings, Record, current_rows
from onconode.ingest.clinical_checks import check_bundle, check_values
from onconode.ingest.fhir_checks import mcode, structure
from onconode.ingest.json_input import json_files, read_json
from onconode.ingest.report import IngestReport
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.model import fhir_terms as T
from onconode.model import vrs
from onconode.progress import Progress, silent
from onconode.store import Store

Json = dict[str, Any]
GENOMIC_TABLES = ("tumor_profile", "somatic_variant", "germline_variant")
HINT = "export the bundle again, or fix the element at this path"

_RESPONSE_BY_SNOMED = {"550991000124107": "CR", "551001000124108": "PR", "359746009": "SD", "271299001": "PD",
                       "709137006": "NE", "268910001": "PR"}
_RESPONSE_BY_NCIT = {code: k for k, (code, _) in T.RESPONSE_NCIT.items()}
_SO_TYPE = {"SO:0001483": "SNP", "SO:0002007": "MNP", "SO:1000032": "INDEL", "SO:0000667": "INDEL", "SO:0000159": "INDEL"}
_BY_LA = {
    "assembly": {code: name for name, (code, _) in T.ASSEMBLY.items()},
    "msi": {code: name for name, (code, _) in T.MSI_ANSWER.items()},
    "source": {code: name for name, (code, _) in T.SOURCE_CLASS.items()},
    "genotype": {code: name for name, (code, _) in T.GENOTYPE.items()},
    "burden": {code: name for name, (code, _) in T.BURDEN.items()},
}
_TISSUE_BY_V2 = {}
for _source, (_code, _) in T.SPECIMEN_TYPE.items():
    _TISSUE_BY_V2.setdefault(_code, _source)


def _code(concept: Any, system: str) -> str | None:
    for c in (concept or {}).get("coding", []) if isinstance(concept, dict) else []:
        if c.get("system") == system and c.get("code"):
            return c["code"]
    return None


def _has_code(resource: Json, system: str, code: str) -> bool:
    return _code(resource.get("code"), system) == code


def _ext(resource: Json, url: str) -> Json | None:
    return next((e for e in resource.get("extension", []) if e.get("url") == url), None)


def _sub(extension: Json | None, key: str) -> Any:
    """The value of sub-extension `key` of a complex extension, whatever its value[x] type."""
    for e in (extension or {}).get("extension", []):
        if e.get("url") == key:
            return next((v for k, v in e.items() if k.startswith("value")), None)
    return None


def _day(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if isinstance(text, str) and len(text) >= 10 else None


def _identifier(resource: Json, system: str) -> str | None:
    ids = resource.get("identifier") or []
    ids = [ids] if isinstance(ids, dict) else ids
    own = [i.get("value") for i in ids if i.get("system") == system and i.get("value")]
    return (own or [i.get("value") for i in ids if i.get("value")] or [None])[0]


class _Reader:
    """Maps one checked bundle into the clinical Bundle and the genomic row lists."""

    def __init__(self, file: str, raw: Json, dataset: str, bundle: Bundle, genomic: dict[str, list[Json]], findings: Findings) -> None:
        self.file, self.dataset, self.bundle, self.genomic, self.findings = file, dataset, bundle, genomic, findings
        self.entries = [(i, e["resource"]) for i, e in enumerate(raw["entry"])]
        self.urls = [e.get("fullUrl") for e in raw["entry"]]
        self.specimens: dict[str, str] = {}  # fullUrl → sample id
        self.sequenced: set[str] = set()
        self.germline: set[str] = set()

    def at(self, i: int, path: str = "") -> str:
        return f"entry[{i}].resource{('.' + path) if path else ''}"

    def error(self, i: int, path: str, message: str, hint: str = HINT) -> None:
        self.findings.error(self.file, None, self.at(i, path), message, hint)

    def warn(self, i: int | None, path: str, message: str, hint: str = "") -> None:
        self.findings.warning(self.file, None, self.at(i, path) if i is not None else None, message, hint)

    def of(self, kind: str) -> list[tuple[int, Json]]:
        return [(i, r) for i, r in self.entries if r.get("resourceType") == kind]

    def target(self, reference: Any) -> str | None:
        return reference.get("reference") if isinstance(reference, dict) else None

    def read(self) -> None:
        (pi, patient), = self.of("Patient")
        pid = _identifier(patient, T.SID["patient"])
        if not pid:
            self.error(pi, "identifier", "the Patient has no identifier to use as the patient pseudonym", "give it an identifier")
            return
        conditions = [(i, c) for i, c in self.of("Condition")]
        first = conditions[0][1] if conditions else {}
        diagnosis = _day((_ext(first, T.ASSERTED_DATE) or {}).get("valueDateTime") or first.get("onsetDateTime"))
        tag = next((t.get("code") for t in (patient.get("meta") or {}).get("tag", []) if t.get("system") == T.SID["dataset"]), None)
        birth = patient.get("birthDate")
        values = {"patient_id": pid, "dataset_id": tag or self.dataset, "sex": patient.get("gender"),
                  "birth_year": int(birth[:4]) if isinstance(birth, str) else None,
                  "death_date": _day(patient.get("deceasedDateTime")), "diagnosis_date": diagnosis}
        fields = {"patient_id": self.at(pi, "identifier"), "sex": self.at(pi, "gender"), "birth_year": self.at(pi, "birthDate"),
                  "death_date": self.at(pi, "deceasedDateTime"), "dataset_id": self.at(pi, "meta.tag"),
                  "diagnosis_date": self.at(conditions[0][0], "extension") if conditions else "Condition"}
        self.bundle.add("patient", Record(values, self.file, None, fields))
        self._samples(pid, conditions)
        self._treatments(pid)
        self._genomics(pid)

    def _tumor(self, condition: Json) -> Json:
        cur = _ext(condition, T.EXT_TUMOR)
        doids = [c["code"].split(":", 1)[1] for c in (condition.get("code") or {}).get("coding", [])
                 if c.get("system") == T.DOID and str(c.get("code", "")).upper().startswith("DOID:")]
        histology = (_ext(condition, T.HISTOLOGY) or {}).get("valueCodeableConcept") or {}
        body = (condition.get("bodySite") or [{}])[0].get("text")
        return {"primary_tumor_location": _sub(cur, "location") if cur else body,
                "primary_tumor_sub_location": _sub(cur, "subLocation"), "primary_tumor_type": _sub(cur, "type"),
                "primary_tumor_sub_type": _sub(cur, "subType"), "primary_tumor_curated": _sub(cur, "curated"),
                "primary_tumor_doids": ",".join(doids) or None,
                "haematological_diagnosis": histology.get("text"), "haematological_diagnosis_code": _code(histology, T.ICDO3)}

    def _samples(self, pid: str, conditions: list[tuple[int, Json]]) -> None:
        tumor_of: dict[str, Json] = {}
        for _, c in conditions:
            for ev in c.get("evidence", []):
                for d in ev.get("detail", []):
                    tumor_of[self.target(d)] = self._tumor(c)
        # a bundle whose one Condition links no Specimen (other systems): that is every sample's tumour
        alone = self._tumor(conditions[0][1]) if len(conditions) == 1 and not tumor_of else {}
        for i, s in self.of("Specimen"):
            sid = _identifier(s, T.SID["sample"])
            if not sid:
                self.error(i, "identifier", "the Specimen has no identifier to use as the sample id", "give it an identifier")
                continue
            url = self.urls[i]
            self.specimens[url] = sid
            collection = s.get("collection") or {}
            source = _code(s.get("type"), T.CS_TISSUE) or _TISSUE_BY_V2.get(_code(s.get("type"), T.V2_0487) or "")
            values = {"sample_id": sid, "patient_id": pid, "sampling_date": _day(collection.get("collectedDateTime")),
                      "arrival_date": _day(s.get("receivedTime")), "tissue_source": source,
                      "biopsy_site": (collection.get("bodySite") or {}).get("text"),
                      "biopsy_location": (_ext(s, T.EXT_BIOPSY_LOCATION) or {}).get("valueString"),
                      **tumor_of.get(url, alone)}
            fields = {"sample_id": self.at(i, "identifier"), "sampling_date": self.at(i, "collection.collectedDateTime"),
                      "arrival_date": self.at(i, "receivedTime"), "tissue_source": self.at(i, "type")}
            self.bundle.add("sample", Record(values, self.file, None, fields))
        for i, o in self.of("Observation"):
            if _has_code(o, T.CS_OBSERVATION, "pathology-tumor-percentage"):
                sid = self.specimens.get(self.target(o.get("specimen")))
                rec = next((r for r in self.bundle.records["sample"] if r["sample_id"] == sid and r.file == self.file), None)
                if rec is not None:
                    rec.values["pathology_tumor_percentage"] = (o.get("valueQuantity") or {}).get("value")
                    rec.fields["pathology_tumor_percentage"] = self.at(i, "valueQuantity.value")

    def _treatments(self, pid: str) -> None:
        lines: dict[str, Json] = {}
        for i, ma in self.of("MedicationAdministration"):
            line = _ext(ma, T.EXT_TREATMENT_LINE)
            tid = _sub(line, "id") or f"{pid}-MA{i}"
            period = ma.get("effectivePeriod") or {}
            start = _day(period.get("start") or ma.get("effectiveDateTime"))
            if tid not in lines:
                after = _sub(line, "afterSpecimen")
                values = {"treatment_id": tid, "patient_id": pid, "sample_id": self.specimens.get(self.target(after)),
                          "line": _sub(line, "line"), "start_date": start, "end_date": _day(period.get("end")),
                          "regimen": _sub(line, "regimen"), "type": _sub(line, "type"), "mechanism": _sub(line, "mechanism"),
                          "pre_biopsy": _sub(line, "preBiopsy")}
                lines[tid] = values
                self.bundle.add("treatment", Record(values, self.file, None, {
                    "treatment_id": self.at(i, "extension"), "start_date": self.at(i, "effectivePeriod.start"),
                    "end_date": self.at(i, "effectivePeriod.end"), "line": self.at(i, "extension")}))
            medication = ma.get("medicationCodeableConcept") or {}
            drug = _ext(ma, T.EXT_DRUG)
            name = medication.get("text") or next((c.get("display") or c.get("code") for c in medication.get("coding", [])), None)
            values = {"treatment_id": tid, "patient_id": pid, "drug": name, "atc_code": _code(medication, T.ATC),
                      "type": _sub(drug, "type"), "mechanism": _sub(drug, "mechanism"), "curated": _sub(drug, "curated")}
            self.bundle.add("treatment_drug", Record(values, self.file, None, {"drug": self.at(i, "medicationCodeableConcept"),
                                                                             "type": self.at(i, "extension")}))
        for i, o in self.of("Observation"):
            if not _has_code(o, T.LOINC, T.DISEASE_STATUS_CODE[0]):
                continue
            value = o.get("valueCodeableConcept")
            response = (_code(value, T.CS_RESPONSE) or _RESPONSE_BY_NCIT.get(_code(value, T.NCIT) or "")
                        or _RESPONSE_BY_SNOMED.get(_code(value, T.SNOMED) or ""))
            tid = _sub(_ext(o, T.EXT_TREATMENT_LINE), "id")
            if tid is None:
                self.warn(i, "extension", "the disease status names no treatment line; the model keeps responses per treatment, so it is not loaded")
                continue
            values = {"patient_id": pid, "treatment_id": tid, "response_date": _day(o.get("effectiveDateTime")), "response": response}
            self.bundle.add("treatment_response", Record(values, self.file, None, {
                "response": self.at(i, "valueCodeableConcept"), "response_date": self.at(i, "effectiveDateTime"),
                "treatment_id": self.at(i, "extension")}))

    def _genomics(self, pid: str) -> None:
        profiles: dict[str, Json] = {}
        for i, r in self.of("DiagnosticReport"):
            sid = self.specimens.get(self.target((r.get("specimen") or [None])[0]))
            if sid is None:
                self.error(i, "specimen", "the genomics report names no Specimen of this bundle", "reference the sample's Specimen")
                continue
            profiles[sid] = {"sample_id": sid, "ref_genome": None}
        for i, o in self.of("Observation"):
            sid = self.specimens.get(self.target(o.get("specimen")))
            if sid not in profiles:
                continue
            self._observation(i, o, profiles[sid])
        for sid, p in profiles.items():
            if p["ref_genome"] is None:
                self.findings.error(self.file, None, "DiagnosticReport", f"the genomics report of sample {sid} gives no reference assembly",
                                    "add a RegionStudied observation with component 62374-4 (GRCh37 LA14029-5 or GRCh38 LA26806-2)")
            self.genomic["tumor_profile"].append(p)
            self.sequenced.add(sid)

    def _observation(self, i: int, o: Json, p: Json) -> None:
        comps = {c: comp for comp in o.get("component", []) for c in [_code(comp.get("code"), T.LOINC) or _code(comp.get("code"), T.CS_OBSERVATION)] if c}
        quantity = (o.get("valueQuantity") or {}).get("value")
        if _has_code(o, T.LOINC, T.REGION_CODE[0]):
            assembly = comps.get(T.C_ASSEMBLY[0], {}).get("valueCodeableConcept")
            p["ref_genome"] = _BY_LA["assembly"].get(_code(assembly, T.LOINC) or "") or (assembly or {}).get("text")
        elif _has_code(o, T.LOINC, T.TMB_CODE[0]):
            p["tmb_per_mb"] = quantity
            p["tmb_status"] = _BY_LA["burden"].get(_code((o.get("interpretation") or [None])[0], T.INTERPRETATION) or "")
        elif _has_code(o, T.LOINC, T.MSI_CODE[0]):
            p["msi_status"] = _BY_LA["msi"].get(_code(o.get("valueCodeableConcept"), T.LOINC) or "")
            p["ms_indels_per_mb"] = (comps.get("ms-indels-per-mb", {}).get("valueQuantity") or {}).get("value")
        elif _has_code(o, T.CS_OBSERVATION, "purity") or _has_code(o, T.CS_OBSERVATION, "ploidy"):
            p[_code(o["code"], T.CS_OBSERVATION)] = quantity
        elif _has_code(o, T.CS_OBSERVATION, "hrd"):
            p["hrd_score"] = quantity
            p["hr_status"] = _code(comps.get("hr-status", {}).get("valueCodeableConcept"), T.CS_HR_STATUS)
            p["hrd_type"] = comps.get("hrd-type", {}).get("valueString")
        elif _has_code(o, T.LOINC, T.VARIANT_CODE[0]):
            self._variant(i, o, comps, p)

    def _variant(self, i: int, o: Json, comps: dict[str, Json], p: Json) -> None:
        where = comps.get(T.C_START_END[0], {}).get("valueRange", {}).get("low", {}).get("value")
        ref, alt = comps.get(T.C_REF_ALLELE[0], {}).get("valueString"), comps.get(T.C_ALT_ALLELE[0], {}).get("valueString")
        if where is None or not ref or not alt:
            return  # a copy-number or other variant without alleles: the model holds those elsewhere
        if not isinstance(where, int) or where < 1:
            self.error(i, "component", f"the variant's start {where!r} is not a 1-based position", "81254-5 valueRange.low is the VCF position")
            return
        seq = comps.get(T.C_REF_SEQ[0], {}).get("valueCodeableConcept") or {}
        chromosome = seq.get("text")
        accession = _code(seq, T.REFSEQ)
        if accession:
            chromosome = next((c.name for c in vrs.contigs().values() if c.refseq_accession == accession), chromosome)
        source = _BY_LA["source"].get(_code(comps.get(T.C_SOURCE[0], {}).get("valueCodeableConcept"), T.LOINC) or "", "somatic")
        text = lambda code: (comps.get(code, {}).get("valueCodeableConcept") or {}).get("text")  # noqa: E731
        row = {"sample_id": p["sample_id"], "chromosome": chromosome, "position": where, "ref": ref, "alt": alt,
               "gene": text(T.C_GENE[0]), "transcript": _code(comps.get(T.C_TRANSCRIPT[0], {}).get("valueCodeableConcept"), T.ENSEMBL),
               "hgvs_coding": text(T.C_CODING_HGVS[0]), "hgvs_protein": text(T.C_PROTEIN_HGVS[0]),
               "type": _SO_TYPE.get(_code(comps.get(T.C_CHANGE_TYPE[0], {}).get("valueCodeableConcept"), T.SO) or ""),
               "canonical_effect": next((c.get("valueCodeableConcept", {}).get("text") for c in o.get("component", [])
                                         if _code(c.get("code"), "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs") == "molecular-consequence"), None)}
        if source == "germline":
            row["genotype"] = _BY_LA["genotype"].get(_code(comps.get(T.C_ALLELIC_STATE[0], {}).get("valueCodeableConcept"), T.LOINC) or "")
            self.genomic["germline_variant"].append(row)
            self.germline.add(p["sample_id"])
            return
        row["vaf"] = (comps.get(T.C_VAF[0], {}).get("valueQuantity") or {}).get("value")
        reads = (comps.get(T.C_ALT_DEPTH[0], {}).get("valueQuantity") or {}).get("value")
        row["allele_read_count"] = int(reads) if reads is not None else None
        self.genomic["somatic_variant"].append(row)


def _check(file: Path, findings: Findings) -> Json | None:
    raw = read_json(file, findings, "export the FHIR bundle again")
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        findings.error(str(file), None, "resourceType", "the file is not a FHIR Bundle", "give one mCODE patient bundle per file")
        return None
    problems = list(structure(raw)) or list(mcode(raw))
    for where, message in problems:
        findings.error(str(file), None, where, message, HINT)
    return None if problems else raw


def ingest_fhir(store: Store, path: Path, *, dataset: str = "fhir", progress: Progress = silent) -> IngestReport:
    """Load one mCODE patient bundle, or a folder of them, as one store version."""
    path = Path(path)
    findings = Findings()
    bundle = Bundle("fhir", f"FHIR R4 mCODE bundles from {path}", str(path))
    bundle.sent |= {"patient", "sample", "treatment", "treatment_drug", "treatment_response"}
    genomic: dict[str, list[Json]] = {t: [] for t in GENOMIC_TABLES}
    sequenced: set[str] = set()
    germline: set[str] = set()
    files = json_files(path, findings, "a folder `onconode export fhir` wrote, or one bundle")
    with progress("reading FHIR bundles", len(files)) as advance:
        for file in files:
            raw = _check(file, findings)
            if raw is not None:
                reader = _Reader(str(file), raw, dataset, bundle, genomic, findings)
                reader.read()
                sequenced |= reader.sequenced
                germline |= reader.germline
            advance(1)
    datasets = sorted({r["dataset_id"] for r in bundle.records["patient"] if r["dataset_id"]})
    known = {row[0] for row in current_rows(store, "dataset", ["dataset_id"], "dataset_id", datasets)}
    for d in (d for d in datasets if d not in known):
        bundle.sent.add("dataset")
        bundle.add("dataset", Record({"dataset_id": d, "title": f"FHIR import ({d})", "description": f"Loaded from FHIR R4 mCODE bundles ({path.name})"},
                                     str(path), None, {"dataset_id": "Patient.meta.tag"}))
    check_values(bundle, findings)
    check_bundle(bundle, store, findings)
    findings.raise_if_errors()
    return _load(store, bundle, genomic, sequenced, germline, findings, progress)


def _load(store: Store, bundle: Bundle, genomic: dict[str, list[Json]], sequenced: set[str], germline: set[str],
          findings: Findings, progress: Progress) -> IngestReport:
    """One transaction: the patients' clinical rows, and the genomic rows of the samples
    with a genomics report (germline rows only of samples whose bundle holds germline variants)."""
    patients = bundle.patient_ids()
    clinical = [t for t in ("dataset", "patient", "sample", "treatment", "treatment_drug", "treatment_response") if t in bundle.sent]
    owners = {"somatic_variant": sequenced, "tumor_profile": sequenced, "germline_variant": germline}
    rows: dict[str, int] = {}
    with progress("loading FHIR data", len(clinical) + len(GENOMIC_TABLES)) as advance:
        with store.transaction(bundle.source, bundle.description) as tx:
            for name in clinical:
                data = [r.values for r in bundle.records[name]]
                keys = [r["dataset_id"] for r in bundle.records[name]] if name == "dataset" else patients
                rows[name] = tx.replace(name, to_arrow(TABLES_BY_NAME[name], data), owners=keys)
                advance(1)
            for name in GENOMIC_TABLES:
                if owners[name]:
                    rows[name] = tx.replace(name, to_arrow(TABLES_BY_NAME[name], genomic[name]), owners=owners[name])
                advance(1)
    return IngestReport(source=bundle.source, version=tx.version, rows=rows, warnings=list(tx.warnings),
                        problems=findings.warnings, samples=[r["sample_id"] for r in bundle.records["sample"]], patients=patients)
