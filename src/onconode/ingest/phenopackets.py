"""GA4GH Phenopackets v2 → the clinical tables.

A phenopacket is parsed by the official schema (`phenopackets` + protobuf's json_format),
so a misspelt field or a bad enum is reported with the file and the field path. Then what
the model can hold is mapped: subject → patient (birth year only, never the full date),
the first disease → primary tumour of every tumour biosample (DOID terms directly, other
terms through the same tumour curation as the TSVs), biosamples → samples, medical
actions → treatments, their drugs (through the same drug curation) and the response.
Everything the model cannot hold is named in a warning, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from phenopackets.schema.v2 import Phenopacket
from phenopackets.schema.v2.core import individual_pb2

from onconode.ingest.clinical_bundle import Bundle, Findings, Record, current_rows, load_bundle
from onconode.ingest.clinical_checks import check_bundle, check_values
from onconode.ingest.curation import Curation, load_curation
from onconode.ingest.json_input import json_files, read_json
from onconode.ingest.report import IngestReport
from onconode.model.codes import RESPONSE_ALIASES
from onconode.progress import Progress, silent
from onconode.store import Store

SEX = {"FEMALE": "female", "MALE": "male", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}
REFERENCE_MATERIAL = {"EFO:0009654"}  # "reference sample": normal tissue or blood, not tumour
RESPONSE_TERMS = {
    "NCIT:C4870": "CR", "NCIT:C18058": "PR", "NCIT:C18213": "SD", "NCIT:C35571": "PD",
    "complete remission": "CR", "partial remission": "PR", "progression": "PD",
} | {k: v for k, v in RESPONSE_ALIASES.items() if not k.isdigit()}
# Populated fields the model has no column for; each is named in a warning.
NOT_HELD = (
    "phenotypicFeatures", "measurements", "interpretations", "files",
    "subject.karyotypicSex", "subject.gender", "subject.vitalStatus.causeOfDeath",
)
NOT_HELD_DISEASE = ("resolution", "diseaseStage", "clinicalTnmFinding", "laterality")
NOT_HELD_BIOSAMPLE = (
    "measurements", "phenotypicFeatures", "tumorProgression", "tumorGrade", "pathologicalStage",
    "pathologicalTnmFinding", "diagnosticMarkers", "files", "sampleProcessing", "sampleStorage",
)
MAX_PACKET_BYTES = 64 << 20  # one patient's phenopacket is kilobytes; anything near this is not one
NOT_HELD_ACTION = ("treatmentTarget", "treatmentIntent", "adverseEvents", "treatmentTerminationReason")


TUMOR_PERCENTAGE = "onconode:pathology_tumor_percentage"  # the biosample measurement `onconode export` writes


def _parse(path: Path, findings: Findings) -> tuple[Phenopacket | None, dict]:
    shown = str(path)
    raw = read_json(path, findings, "export the phenopacket again", max_bytes=MAX_PACKET_BYTES)
    if raw is None:
        return None, {}
    if not isinstance(raw, dict):
        findings.error(shown, None, None, "the JSON is not an object", "a phenopacket is one JSON object")
        return None, {}
    packet = Phenopacket()
    try:
        json_format.ParseDict(raw, packet)
    except (json_format.ParseError, TypeError, ValueError, RecursionError) as exc:
        field, message = _field_path(str(exc))
        findings.error(shown, None, field, f"not a valid GA4GH Phenopacket v2: {message}", "check the field against the Phenopackets v2 schema")
        return None, {}
    version = packet.meta_data.phenopacket_schema_version
    if version and not version.strip().lstrip("v").startswith("2"):
        findings.error(shown, None, "metaData.phenopacketSchemaVersion", f"schema version {version!r} is not 2.x", "convert the phenopacket to v2")
        return None, {}
    return packet, raw


def _field_path(message: str) -> tuple[str | None, str]:
    """('subject.vitalStatus.status', 'Invalid enum value DEAD ...') from json_format's nested
    'Failed to parse subject field: Failed to parse ... at Phenopacket.subject...' text."""
    first = message.split("\n")[0]
    m = re.search(r'at "?Phenopacket\.?([\w.\[\]]*)', first)
    path = m.group(1).rstrip(".") if m else ""
    unknown = re.search(r'has no field named "([^"]+)"', first)
    if unknown:
        path = f"{path}.{unknown.group(1)}".lstrip(".")
    inner = re.sub(r"^(Failed to parse \w+ field: )+", "", first)
    inner = re.sub(r' at "?Phenopacket[\w.\[\]]*"?\.*$', "", inner).rstrip(".")
    return path or None, inner


def _has(raw: Any, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(raw, dict) or part not in raw:
            return False
        raw = raw[part]
    return raw not in (None, [], {}, "")


def _date(element: Message, has: bool) -> dt.date | None:
    """The calendar date of a TimeElement (timestamp, or an interval's start), else None."""
    if not has:
        return None
    which = element.WhichOneof("element")
    if which == "timestamp":
        return element.timestamp.ToDatetime().date()
    if which == "interval" and element.interval.HasField("start"):
        return element.interval.start.ToDatetime().date()
    return None


class _Reader:
    """Maps one phenopacket into the bundle; `where` builds the field path of a value."""

    def __init__(self, path: Path, packet: Phenopacket, raw: dict, dataset: str, curation: Curation, bundle: Bundle, findings: Findings) -> None:
        self.file = str(path)
        self.p, self.raw, self.dataset, self.curation, self.bundle, self.findings = packet, raw, dataset, curation, bundle, findings
        self.not_held: list[str] = [f for f in NOT_HELD if _has(raw, f)]

    def warn(self, field: str | None, message: str, hint: str = "") -> None:
        self.findings.warning(self.file, None, field, message, hint)

    def _time(self, element: Message, has: bool, field: str) -> dt.date | None:
        value = _date(element, has)
        if has and value is None:
            self.warn(field, "the time is not a calendar date (age, range or term); the model stores dates, so it is not loaded")
        return value

    def read(self) -> None:
        s = self.p.subject
        if not s.id:
            self.findings.error(self.file, None, "subject.id", "the phenopacket has no subject id", "set subject.id to the patient's pseudonym")
            return
        pid = s.id
        disease = self._disease()
        diagnosis = self._time(disease.onset, disease.HasField("onset"), "diseases[0].onset") if disease else None
        status = s.vital_status
        death = self._time(status.time_of_death, status.HasField("time_of_death"), "subject.vitalStatus.timeOfDeath")
        last_seen = self._time(s.time_at_last_encounter, s.HasField("time_at_last_encounter"), "subject.timeAtLastEncounter")
        end = self._survival_end(diagnosis, status.survival_time_in_days)
        if end is not None and status.status == status.DECEASED:
            death = death or end
        elif end is not None:
            last_seen = max(filter(None, (last_seen, end)))
        if status.status == status.DECEASED and death is None:
            self.warn("subject.vitalStatus", "the patient died, but no date of death can be derived; death_date stays empty", "give timeOfDeath a timestamp")
        values = {
            "patient_id": pid, "dataset_id": self.dataset, "sex": SEX[individual_pb2.Sex.Name(s.sex)] if _has(self.raw, "subject.sex") else None,
            "birth_year": s.date_of_birth.ToDatetime().year if s.HasField("date_of_birth") else None,
            "diagnosis_date": diagnosis, "death_date": death if status.status == status.DECEASED else None, "last_follow_up_date": last_seen,
        }
        fields = {
            "patient_id": "subject.id", "sex": "subject.sex", "birth_year": "subject.dateOfBirth", "diagnosis_date": "diseases[0].onset",
            "death_date": "subject.vitalStatus.timeOfDeath", "last_follow_up_date": "subject.timeAtLastEncounter", "dataset_id": "--dataset",
        }
        self.bundle.add("patient", Record(values, self.file, None, fields))
        self._biosamples(pid, disease)
        self._actions(pid)
        if self.not_held:
            self.warn(None, f"the model has no place for: {', '.join(self.not_held)}; not loaded", "keep the phenopacket itself as the full record")

    def _survival_end(self, diagnosis: dt.date | None, days: int) -> dt.date | None:
        """The date survivalTimeInDays points at: diagnosis + days."""
        field = "subject.vitalStatus.survivalTimeInDays"
        if not days:
            return None
        if diagnosis is None:
            self.warn(field, "survival time is counted from the diagnosis, which has no date; not loaded", "give diseases[].onset a timestamp")
            return None
        try:
            return diagnosis + dt.timedelta(days=days)
        except OverflowError:
            self.findings.error(self.file, None, field, f"{days} days after the diagnosis is past the year 9999", "check the survival time")
            return None

    def _disease(self) -> Message | None:
        diseases = [(i, d) for i, d in enumerate(self.p.diseases) if not d.excluded]
        for i, d in diseases:
            self.not_held += [f"diseases[{i}].{f}" for f in NOT_HELD_DISEASE if _has(self.raw.get("diseases", [{}])[i], f)]
        if len(diseases) > 1:
            self.warn("diseases", f"{len(diseases)} diseases; the first, {diseases[0][1].term.label or diseases[0][1].term.id!r}, is taken as the primary tumour")
        return diseases[0][1] if diseases else None

    def _tumor(self, term: Message, field: str) -> dict[str, Any]:
        found = self.curation.tumors.lookup(term.label) if term.label else None
        doid = term.id.split(":", 1)[1] if term.id.upper().startswith("DOID:") else None
        if found is None:
            if not doid:
                self.warn(f"{field}.label", f"tumour {term.label or term.id!r} ({term.id}) is not in the curation table; loaded uncurated", "add the label to tumor_location_mapping.tsv")
            return {"primary_tumor_location": term.label or None, "primary_tumor_doids": doid, "primary_tumor_curated": False}
        return {
            "primary_tumor_location": found.location, "primary_tumor_sub_location": found.sub_location,
            "primary_tumor_type": found.type, "primary_tumor_sub_type": found.sub_type,
            "primary_tumor_doids": doid or found.doid_text, "primary_tumor_curated": True,
        }

    def _biosamples(self, pid: str, disease: Message | None) -> None:
        for i, b in enumerate(self.p.biosamples):
            at = f"biosamples[{i}]"
            raw = self.raw.get("biosamples", [])[i]
            if b.material_sample.id in REFERENCE_MATERIAL:
                self.warn(f"{at}.materialSample", f"biosample {b.id} is reference (normal) material; only tumour samples are loaded")
                continue
            if not b.id:
                self.findings.error(self.file, None, f"{at}.id", "the biosample has no id", "set biosamples[].id to the sample's pseudonym")
                continue
            if b.individual_id and b.individual_id != pid:
                self.findings.error(self.file, None, f"{at}.individualId", f"biosample {b.id} belongs to {b.individual_id}, not the subject {pid}", "one phenopacket describes one patient")
                continue
            self.not_held += [f"{at}.{f}" for f in NOT_HELD_BIOSAMPLE if _has(raw, f) and f != "measurements"]
            percentage = None
            for m, measurement in enumerate(b.measurements):
                if measurement.assay.id == TUMOR_PERCENTAGE and measurement.value.HasField("quantity"):
                    percentage = measurement.value.quantity.value
                else:
                    self.not_held.append(f"{at}.measurements[{m}] ({measurement.assay.label or measurement.assay.id})")
            tissue = " ".join(t.label.lower() for t in (b.sampled_tissue, b.sample_type))
            source = "bone_marrow" if "bone marrow" in tissue else "blood" if "blood" in tissue else "lymph_node" if "lymph node" in tissue else "tissue"
            values: dict[str, Any] = {
                "sample_id": b.id, "patient_id": pid, "tissue_source": source,
                "sampling_date": self._time(b.time_of_collection, b.HasField("time_of_collection"), f"{at}.timeOfCollection"),
                "biopsy_site": b.sampled_tissue.label or None, "biopsy_location": b.procedure.body_site.label or None,
                "pathology_tumor_percentage": percentage,
            }
            if disease is not None:
                values |= self._tumor(disease.term, "diseases[0].term")
            elif b.HasField("histological_diagnosis"):
                values |= self._tumor(b.histological_diagnosis, f"{at}.histologicalDiagnosis")
            fields = {"sample_id": f"{at}.id", "sampling_date": f"{at}.timeOfCollection", "tissue_source": f"{at}.sampledTissue", "primary_tumor_location": "diseases[0].term"}
            self.bundle.add("sample", Record(values, self.file, None, fields))

    def _actions(self, pid: str) -> None:
        for i, action in enumerate(self.p.medical_actions):
            at = f"medicalActions[{i}]"
            raw = self.raw.get("medicalActions", [])[i]
            self.not_held += [f"{at}.{f}" for f in NOT_HELD_ACTION if _has(raw, f)]
            kind = action.WhichOneof("action")
            if kind == "treatment":
                t = action.treatment
                names = t.agent.label or t.agent.id
                intervals = [d.interval for d in t.dose_intervals if d.HasField("interval")]
                start = min((iv.start.ToDatetime().date() for iv in intervals if iv.HasField("start")), default=None)
                end = max((iv.end.ToDatetime().date() for iv in intervals if iv.HasField("end")), default=None)
                when = f"{at}.treatment.doseIntervals"
            elif kind == "therapeutic_regimen":
                r = action.therapeutic_regimen
                names = r.ontology_class.label or r.external_reference.description or r.ontology_class.id or r.external_reference.id
                start = self._time(r.start_time, r.HasField("start_time"), f"{at}.therapeuticRegimen.startTime")
                end = self._time(r.end_time, r.HasField("end_time"), f"{at}.therapeuticRegimen.endTime")
                when = f"{at}.therapeuticRegimen.startTime"
            else:
                self.not_held.append(f"{at}.{ {'procedure': 'procedure', 'radiation_therapy': 'radiationTherapy'}.get(kind, '')}".rstrip("."))
                continue
            if start is None:
                self.warn(when, f"the treatment {names!r} has no start date; the model needs one, so it is not loaded", "give the dose interval or regimen a start timestamp")
                continue
            self._treatment(pid, f"{pid}-MA{i + 1}", names, start, end, action, at)

    def _treatment(self, pid: str, tid: str, names: str, start: dt.date, end: dt.date | None, action: Message, at: str) -> None:
        drugs: dict[str, dict[str, Any]] = {}
        for name, found in self.curation.drugs.split(names):
            if found is None:
                self.warn(f"{at}.treatment.agent", f"drug {name!r} is not in the curation table; loaded uncurated", "add it to treatment_mapping.tsv")
                drugs.setdefault(name, {"drug": name, "type": None, "mechanism": None, "atc_code": None, "curated": False})
            else:
                drugs.setdefault(found.drug, {"drug": found.drug, "type": found.type, "mechanism": found.mechanism, "atc_code": found.atc_code, "curated": True})
        values = {
            "treatment_id": tid, "patient_id": pid, "start_date": start, "end_date": end, "regimen": "/".join(drugs) or None,
            "type": "/".join(dict.fromkeys(d["type"] for d in drugs.values() if d["type"])) or None,
            "mechanism": "/".join(dict.fromkeys(d["mechanism"] for d in drugs.values() if d["mechanism"])) or None,
        }
        fields = {"treatment_id": at, "start_date": at, "end_date": at}
        self.bundle.add("treatment", Record(values, self.file, None, fields))
        for d in drugs.values():
            self.bundle.add("treatment_drug", Record({"treatment_id": tid, "patient_id": pid, **d}, self.file, None, {"drug": f"{at}.treatment.agent"}))
        if action.HasField("response_to_treatment"):
            term = action.response_to_treatment
            response = RESPONSE_TERMS.get(term.id) or RESPONSE_TERMS.get(term.label.strip().lower())
            if response is None:
                self.warn(f"{at}.responseToTreatment", f"response {term.label or term.id!r} is not a RECIST category; not loaded", "use e.g. NCIT:C18058 Partial Remission")
            elif end is None:
                self.warn(f"{at}.responseToTreatment", "a response needs a date; phenopackets date it by the treatment's end, which is missing; not loaded")
            else:
                values = {"patient_id": pid, "treatment_id": tid, "response_date": end, "response": response}
                self.bundle.add("treatment_response", Record(values, self.file, None, {"response": f"{at}.responseToTreatment", "response_date": at}))


def ingest_phenopackets(store: Store, path: Path, *, dataset: str, progress: Progress = silent) -> IngestReport:
    """Load one phenopacket JSON file, or a folder of them, as one store version."""
    path = Path(path)
    findings = Findings()
    curation = load_curation(None, findings)
    bundle = Bundle("phenopackets", f"GA4GH Phenopackets v2 from {path}", str(path))
    bundle.sent |= {"patient", "sample", "treatment", "treatment_drug", "treatment_response"}
    files = json_files(path, findings, "a phenopacket JSON file or a folder of them")
    with progress("reading phenopackets", len(files)) as advance:
        for file in files:
            packet, raw = _parse(file, findings)
            if packet is not None:
                _Reader(file, packet, raw, dataset, curation, bundle, findings).read()
            advance(1)
    if not current_rows(store, "dataset", ["dataset_id"], "dataset_id", [dataset]):
        bundle.sent.add("dataset")
        bundle.add("dataset", Record({"dataset_id": dataset, "title": f"Phenopackets ({dataset})", "description": f"Loaded from GA4GH Phenopackets v2 ({path.name})"}, str(path), None, {"dataset_id": "--dataset"}))
    check_values(bundle, findings)
    check_bundle(bundle, store, findings)
    return load_bundle(store, bundle, findings, progress=progress)
