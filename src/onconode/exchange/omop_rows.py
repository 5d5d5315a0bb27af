"""One patient's harmonized rows → OMOP CDM 5.4 rows with the oncology extension.

The shape follows the OHDSI Oncology Working Group's model (reference/exchange-standards.md
(b)): the cancer is a CONDITION_OCCURRENCE and a 'Disease First Occurrence' EPISODE; each
treatment line is a 'Treatment Regimen' EPISODE (episode_number = line) whose drugs are
DRUG_EXPOSURE rows joined to it by EPISODE_EVENT; each RECIST assessment is a disease-
dynamic EPISODE (Complete Remission, Partial Remission, Stable Disease, Progression) under
the disease episode; purity, ploidy, TMB, MSI, HRD and the reported driver alterations are
MEASUREMENT rows whose measurement_event_id points at the condition they qualify.

Every code without an OMOP concept becomes concept 0 with its source value kept, and every
value OMOP cannot hold is counted in the ExportReport with the reason: nothing is dropped
silently.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from onconode.analysis import doid as doid_tree
from onconode.exchange.omop_concepts import ConceptMap
from onconode.exchange.patients import PatientRecord, Row
from onconode.exchange.report import ExportReport
from onconode.model import vrs

Rows = dict[str, list[dict[str, Any]]]

CONDITION_FIELD = "condition_occurrence.condition_occurrence_id"
DRUG_FIELD = "drug_exposure.drug_exposure_id"
# tumor_profile columns written as MEASUREMENT: (column, unit as the source gives it, status column)
PROFILE_MEASURES = (
    ("purity", "fraction", None),
    ("ploidy", "copies", None),
    ("tmb_per_mb", "/Mb", "tmb_status"),
    ("ms_indels_per_mb", "/Mb", "msi_status"),
    ("hrd_score", "probability", "hr_status"),
)
COPY_NUMBER_DRIVERS = {"AMP": "max_copy_number", "PARTIAL_AMP": "max_copy_number", "DEL": "min_copy_number",
                       "HOM_DEL_DISRUPTION": "min_copy_number", "HOM_DUP_DISRUPTION": "min_copy_number",
                       "HOM_DISRUPTION": "min_copy_number"}


@dataclass
class Ids:
    """Row ids: sequence numbers per OMOP table in the export's order (patients by
    pseudonym, rows by the model's columns), so exporting the same freeze twice gives the
    same ids. The CDM's ids are 32-bit integers, too small for collision-free hashes of
    the source keys at a national database's row counts; the source keys themselves are
    kept in person_source_value and specimen_source_id."""

    last: Counter[str] = field(default_factory=Counter)

    def next(self, table: str) -> int:
        self.last[table] += 1
        if self.last[table] > 2**31 - 1:
            raise OverflowError(f"more than 2^31-1 {table} rows: OMOP CDM 5.4 ids are 32-bit integers; export in parts")
        return self.last[table]


def _tumour_key(sample: Row) -> tuple[str, str]:
    return (sample.get("primary_tumor_doids") or "", sample.get("haematological_diagnosis_code") or "")


def fusion_name(f: Row) -> str:
    """HGVS-style `FIVE::THREE fusion` (the model's name joins the genes with '_')."""
    five, three = f.get("five_prime_gene"), f.get("three_prime_gene")
    return f"{five}::{three} fusion" if five and three else f"{f['name']} fusion"


def _sample_date(sample: Row) -> dt.date | None:
    return sample.get("sampling_date") or sample.get("arrival_date")


class PatientMapper:
    """Maps one PatientRecord; `rows()` returns the OMOP rows by table (empty when the
    patient cannot be a PERSON)."""

    def __init__(self, record: PatientRecord, ids: Ids, concepts: ConceptMap, report: ExportReport) -> None:
        self.r, self.ids, self.c, self.report = record, ids, concepts, report
        self.out: Rows = {}
        self.registry = concepts.id("type", "registry")
        self.patient = record.one("patient") or {}
        self.samples = record.rows("sample")
        self.conditions: dict[tuple[str, str], tuple[int, int, int]] = {}  # key -> (condition id, disease episode id, concept)
        self.period_end: dt.date | None = None

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.out.setdefault(table, []).append(row)

    def skip(self, what: str, why: str, count: int = 1) -> None:
        self.report.skip(what, why, count)

    def rows(self) -> Rows:
        if self.patient.get("birth_year") is None:
            self.skip("patient", "no birth_year (PERSON.year_of_birth is required): patient not exported")
            return {}
        self.person_id = self.ids.next("person")
        self._person()
        self._observation_period()
        self._death()
        self._conditions()
        self._treatments()
        self._responses()
        for sample in self.samples:
            self._specimen(sample)
            self._profile(sample)
        self._variants()
        self._drivers()
        self._fusions()
        return self.out

    # -- person, period, death -------------------------------------------------------
    def _person(self) -> None:
        sex = self.patient.get("sex")
        gender = self.c.get("sex", sex)
        if gender is None:
            self.skip("patient.sex", f"no OMOP gender concept for {sex!r}: gender_concept_id 0")
        self.add("person", {"person_id": self.person_id, "gender_concept_id": gender.concept_id if gender else 0,
                            "year_of_birth": self.patient["birth_year"], "race_concept_id": 0, "ethnicity_concept_id": 0,
                            "person_source_value": self.r.patient_id, "gender_source_value": sex})

    def _dates(self) -> list[dt.date]:
        p = self.patient
        found = [p.get(k) for k in ("registration_date", "diagnosis_date", "death_date", "last_follow_up_date")]
        for s in self.samples:
            found += [s.get("sampling_date"), s.get("arrival_date")]
        for t in self.r.rows("treatment"):
            found += [t.get("start_date"), t.get("end_date")]
        found += [x.get("response_date") for x in self.r.rows("treatment_response")]
        return [d for d in found if d is not None]

    def _observation_period(self) -> None:
        dates = self._dates()
        if not dates:
            self.skip("patient", "no dates at all: no OBSERVATION_PERIOD")
            return
        self.period_end = max(dates)
        self.add("observation_period", {
            "observation_period_id": self.ids.next("observation_period"), "person_id": self.person_id,
            "observation_period_start_date": min(dates), "observation_period_end_date": self.period_end,
            "period_type_concept_id": self.registry})

    def _death(self) -> None:
        if self.patient.get("death_date"):
            self.add("death", {"person_id": self.person_id, "death_date": self.patient["death_date"],
                               "death_type_concept_id": self.registry})

    # -- the cancer: condition and disease episode -----------------------------------
    def _condition_concept(self, doids: str) -> tuple[int, str | None]:
        """The concept of the first DOID that has one, climbing the shipped DOID tree to an
        ancestor when the DOID itself has none (reported: less specific than the source)."""
        first = None
        for d in [x.strip() for x in doids.split(",") if x.strip()]:
            first = first or d
            node: str | None = d
            while node:
                concept = self.c.get("condition_doid", node)
                if concept:
                    if node != d:
                        self.skip("sample.primary_tumor_doids",
                                  f"DOID:{d} has no OMOP concept; written as its ancestor DOID:{node} ({concept.name})")
                    return concept.concept_id, f"DOID:{d}"
                node = doid_tree.parent(node)
        self.skip("sample.primary_tumor_doids",
                  f"no OMOP condition concept for {('DOID:' + first) if first else 'an empty DOID'}: condition_concept_id 0")
        return 0, (f"DOID:{first}" if first else None)

    def _conditions(self) -> None:
        for sample in self.samples:
            key = _tumour_key(sample)
            if key in self.conditions:
                continue
            start = self.patient.get("diagnosis_date") or min(
                (d for s in self.samples if _tumour_key(s) == key for d in [_sample_date(s)] if d), default=None)
            if start is None:
                self.skip("sample", "no diagnosis, sampling or arrival date: no CONDITION_OCCURRENCE for the tumour")
                continue
            concept, source = self._condition_concept(key[0])
            if source is None and key[1]:
                source = f"ICDO3:{key[1]}"
            condition_id = self.ids.next("condition_occurrence")
            self.add("condition_occurrence", {
                "condition_occurrence_id": condition_id, "person_id": self.person_id, "condition_concept_id": concept,
                "condition_start_date": start, "condition_type_concept_id": self.registry,
                "condition_source_value": source})
            episode_id = self.ids.next("episode")
            self.add("episode", {
                "episode_id": episode_id, "person_id": self.person_id,
                "episode_concept_id": self.c.id("episode", "disease_first_occurrence"), "episode_start_date": start,
                "episode_object_concept_id": concept, "episode_type_concept_id": self.registry,
                "episode_source_value": source})
            self.add("episode_event", {"episode_id": episode_id, "event_id": condition_id,
                                       "episode_event_field_concept_id": self.c.id("field", CONDITION_FIELD)})
            self.conditions[key] = (condition_id, episode_id, concept)

    def _condition_of(self, sample_id: str | None) -> tuple[int, int, int] | None:
        for s in self.samples:
            if s["sample_id"] == sample_id:
                return self.conditions.get(_tumour_key(s))
        return next(iter(self.conditions.values()), None)

    # -- treatment lines -------------------------------------------------------------
    def _treatments(self) -> None:
        drugs: dict[str, list[Row]] = {}
        for d in self.r.rows("treatment_drug"):
            drugs.setdefault(d["treatment_id"], []).append(d)
        for t in self.r.rows("treatment"):
            if t.get("start_date") is None:  # a release may not carry the dates
                self.skip("treatment.start_date", "missing: no Treatment Regimen episode or drug exposure for the line")
                continue
            its = drugs.get(t["treatment_id"], [])
            code = "+".join(sorted(d["drug"].lower() for d in its))
            regimen = self.c.get("regimen", code)
            if regimen is None:
                self.skip("treatment.regimen", f"no HemOnc regimen concept for {code or 'a regimen without drugs'}: "
                          "episode_object_concept_id 0")
            parent = self._condition_of(t.get("sample_id"))
            episode_id = self.ids.next("episode")
            self.add("episode", {
                "episode_id": episode_id, "person_id": self.person_id,
                "episode_concept_id": self.c.id("episode", "treatment_regimen"),
                "episode_start_date": t["start_date"], "episode_end_date": t.get("end_date"),
                "episode_parent_id": parent[1] if parent else None, "episode_number": t.get("line"),
                "episode_object_concept_id": regimen.concept_id if regimen else 0,
                "episode_type_concept_id": self.registry, "episode_source_value": t.get("regimen")})
            for d in its:
                self._drug_exposure(t, d, episode_id)

    def _drug_exposure(self, t: Row, d: Row, episode_id: int) -> None:
        concept = self.c.get("drug", d["drug"])
        if concept is None:
            self.skip("treatment_drug.drug", f"no RxNorm concept for {d['drug']!r}: drug_concept_id 0")
        end = t.get("end_date")
        if end is None:
            follow = self.patient.get("last_follow_up_date")
            end = follow if follow and follow >= t["start_date"] else t["start_date"]
            self.skip("treatment.end_date", "ongoing treatment: drug_exposure_end_date set to the last follow-up "
                      "(or the start), verbatim_end_date left empty")
        exposure_id = self.ids.next("drug_exposure")
        self.add("drug_exposure", {
            "drug_exposure_id": exposure_id, "person_id": self.person_id,
            "drug_concept_id": concept.concept_id if concept else 0, "drug_exposure_start_date": t["start_date"],
            "drug_exposure_end_date": end, "verbatim_end_date": t.get("end_date"), "drug_type_concept_id": self.registry,
            "drug_source_value": d["drug"]})
        self.add("episode_event", {"episode_id": episode_id, "event_id": exposure_id,
                                   "episode_event_field_concept_id": self.c.id("field", DRUG_FIELD)})

    # -- RECIST responses as disease-dynamic episodes ---------------------------------
    def _responses(self) -> None:
        lines = {t["treatment_id"]: t for t in self.r.rows("treatment")}
        for x in self.r.rows("treatment_response"):
            concept = self.c.get("response", x.get("response"))
            if concept is None:
                self.skip("treatment_response.response",
                          f"{x.get('response')} has no OMOP disease-dynamic episode concept: assessment not exported")
                continue
            if x.get("response_date") is None:
                self.skip("treatment_response.response_date", "missing: assessment not exported")
                continue
            t = lines.get(x["treatment_id"], {})
            parent = self._condition_of(t.get("sample_id"))
            line = t.get("line")
            self.add("episode", {
                "episode_id": self.ids.next("episode"), "person_id": self.person_id,
                "episode_concept_id": concept.concept_id, "episode_start_date": x["response_date"],
                "episode_parent_id": parent[1] if parent else None,
                "episode_object_concept_id": parent[2] if parent else 0, "episode_type_concept_id": self.registry,
                "episode_source_value": f"{x['response']} after line {line}" if line is not None else x["response"]})

    # -- specimens and tumour measurements --------------------------------------------
    def _specimen(self, sample: Row) -> None:
        date = _sample_date(sample)
        if date is None:
            self.skip("sample", "no sampling or arrival date: no SPECIMEN (specimen_date is required)")
            return
        source = sample.get("tissue_source")
        concept = self.c.get("specimen", source)
        if concept is None:
            self.skip("sample.tissue_source", f"no verified OMOP specimen concept for {source!r}: specimen_concept_id 0")
        self.add("specimen", {
            "specimen_id": self.ids.next("specimen"), "person_id": self.person_id,
            "specimen_concept_id": concept.concept_id if concept else 0, "specimen_type_concept_id": self.registry,
            "specimen_date": date, "specimen_source_id": sample["sample_id"], "specimen_source_value": source,
            "anatomic_site_source_value": sample.get("biopsy_site"), "disease_status_source_value": "tumour"})

    def _measurement(self, sample_id: str, what: str, group: str, source: str, **values: Any) -> None:
        """A MEASUREMENT of the sample, qualifying the condition of its tumour."""
        sample = next((s for s in self.samples if s["sample_id"] == sample_id), None)
        date = _sample_date(sample) if sample else None
        condition = self._condition_of(sample_id)
        if date is None:
            self.skip(what, "no sampling or arrival date of the sample: MEASUREMENT not written")
            return
        concept = self.c.get(group, source)
        if concept is None:
            self.skip(what, "no verified OMOP measurement concept: measurement_concept_id 0, source value kept")
        self.add("measurement", {
            "measurement_id": self.ids.next("measurement"), "person_id": self.person_id,
            "measurement_concept_id": concept.concept_id if concept else 0, "measurement_date": date,
            "measurement_type_concept_id": self.registry, "measurement_source_value": source,
            "measurement_event_id": condition[0] if condition else None,
            "meas_event_field_concept_id": self.c.id("field", CONDITION_FIELD) if condition else None, **values})

    def _profile(self, sample: Row) -> None:
        for p in self.r.rows("tumor_profile"):
            if p["sample_id"] != sample["sample_id"]:
                continue
            for column, unit, status in PROFILE_MEASURES:
                if p.get(column) is None and (status is None or p.get(status) is None):
                    continue
                self._measurement(sample["sample_id"], f"tumor_profile.{column}", "measurement", f"tumor_profile.{column}",
                                  value_as_number=p.get(column), unit_source_value=unit,
                                  value_source_value=p.get(status) if status else None)

    def _variants(self) -> None:
        genome = {p["sample_id"]: p.get("ref_genome") for p in self.r.rows("tumor_profile")}
        positive = self.c.id("meas_value", "positive")
        unreported = 0
        for v in self.r.rows("somatic_variant"):
            if not v.get("reported"):
                unreported += 1
                continue
            change = v.get("hgvs_protein") or v.get("hgvs_coding")
            name = f"{v.get('gene')} {change}" if v.get("gene") and change else \
                f"{v['chromosome']}:{v['position']} {v['ref']}>{v['alt']}"
            assembly = genome.get(v["sample_id"]) or ""
            vrs_id = vrs.allele_id(assembly, v["chromosome"], v["position"], v["ref"], v["alt"])
            if vrs_id.id is None:
                self.skip("somatic_variant", f"reported variant without a VRS identifier ({vrs_id.reason}): "
                          "value_source_value holds assembly:chromosome:position:ref>alt")
            self._measurement(v["sample_id"], "somatic_variant", "variant", name, value_as_concept_id=positive,
                              value_as_number=v.get("vaf"), unit_source_value="VAF",
                              value_source_value=vrs_id.id or f"{assembly}:{v['chromosome']}:{v['position']}:{v['ref']}>{v['alt']}")
        if unreported:
            self.skip("somatic_variant", "not a reported driver: not exported (MEASUREMENT holds reported drivers only)",
                      unreported)

    def _drivers(self) -> None:
        positive = self.c.id("meas_value", "positive")
        for d in self.r.rows("driver"):
            kind = d["driver"]
            if kind in ("MUTATION", "FUSION"):
                continue  # written from somatic_variant and fusion
            if kind not in COPY_NUMBER_DRIVERS or d.get("reported_status") not in (None, "REPORTED"):
                self.skip("driver", f"{kind} driver{' (not reported)' if kind in COPY_NUMBER_DRIVERS else ''}: not exported")
                continue
            self._measurement(d["sample_id"], "driver", "variant", f"{d['gene']} {kind}", value_as_concept_id=positive,
                              value_as_number=d.get(COPY_NUMBER_DRIVERS[kind]), unit_source_value="copy number")

    def _fusions(self) -> None:
        positive = self.c.id("meas_value", "positive")
        for f in self.r.rows("fusion"):
            if not f.get("reported"):
                self.skip("fusion", "not a reported fusion: not exported")
                continue
            self._measurement(f["sample_id"], "fusion", "variant", fusion_name(f),
                              value_as_concept_id=positive)
