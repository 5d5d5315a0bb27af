"""`EcrfPatient`s + curation tables + LIMS → the model's clinical rows (a `Bundle`).

The same curation as `ingest clinical` (`ingest.curation`) maps free text onto codes:
the tumour location (after the node's per-patient overrides), biopsy sites (Hartwig's
biopsy-site table, keyed by tumour and site), and drug names (split into the drugs of a
regimen). What no table knows loads as recorded, flagged uncurated, with one warning per
distinct term naming the file, line and form item or CSV column it first came from.
Nothing that cannot be stored is dropped silently: it is a warning saying why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from onconode.ingest.clinical import add_treatment
from onconode.ingest.clinical_bundle import Bundle, Findings, Record
from onconode.ingest.curation import Curation, TumorCuration, Unmapped, normalize
from onconode.ingest.ecrf.consents import CONSENT_FILE, ConsentConfig, Decision, decide, duo_terms
from onconode.ingest.ecrf.lims import LimsSample
from onconode.ingest.ecrf.patients import Biopsy, EcrfPatient, Source, Therapy, Value
from onconode.model.codes import RESPONSE_ALIASES, RESPONSES

ROMAN = ("", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
HAEM_TISSUES = {"blood": "blood", "bloed": "blood", "peripheral blood": "blood", "bone marrow": "bone_marrow", "beenmerg": "bone_marrow"}


@dataclass
class Options:
    dataset_id: str
    consent_duo: str
    hint: str
    consents: ConsentConfig | None = None   # informed_consents.tsv, when the folder has one


def _record(values: dict[str, Any], at: Source, fields: dict[str, str] | None = None) -> Record:
    return Record(values, at.file, at.line, fields or {})


def _where(at: Source, column: str) -> Record:
    """A record that points at one value's place, for warnings about that value."""
    return Record({}, at.file, at.line, {column: at.field})


def _response(text: str) -> str:
    stripped = text.strip()
    return stripped.upper() if stripped.upper() in RESPONSES else RESPONSE_ALIASES.get(stripped.lower(), stripped)


def tissue_source(text: str | None) -> str:
    """Blood or bone marrow (haematological samples) by name, otherwise solid tissue."""
    return HAEM_TISSUES.get(normalize(text or ""), "tissue")


def _sample_ids(p: EcrfPatient, lims: list[LimsSample] | None, findings: Findings) -> list[tuple[str, Biopsy | None, LimsSample | None]]:
    """Each sequenced sample with its biopsy. With a LIMS: its tumour samples, matched to the
    biopsy of the same date (else the latest before it). Without: one sample per biopsy,
    named as Hartwig names them (patient + T, TII, TIII ...)."""
    biopsies = sorted(p.biopsies, key=lambda b: b.date or dt.date.min)
    if lims is None:
        return [(f"{p.patient_id}T{ROMAN[i] if i < len(ROMAN) else i + 1}", b, None) for i, b in enumerate(biopsies)]
    found = []
    for s in (s for s in lims if s.patient_id == p.patient_id):
        before = [b for b in biopsies if b.date and s.sampling_date and b.date <= s.sampling_date]
        same = [b for b in before if b.date == s.sampling_date]
        biopsy = (same or before or [None])[-1]
        if biopsy is None:
            findings.warning(p.at.file, p.at.line, p.at.field, f"sample {s.sample_id} (LIMS {s.barcode}) matches no biopsy of patient {p.patient_id} on or before {s.sampling_date}; loaded without biopsy details",
                             "record the biopsy in the eCRF, or correct the LIMS sampling date")
        found.append((s.sample_id, biopsy, s))
    matched = {id(b) for _, b, _ in found if b is not None}
    for b in biopsies:
        if id(b) not in matched:
            findings.warning(b.at.file, b.at.line, b.at.field, f"biopsy of {b.date} of patient {p.patient_id} has no sequenced sample in the LIMS; not loaded",
                             "nothing to do if the biopsy was not sequenced")
    return found


def harmonize(patients: list[EcrfPatient], curation: Curation, lims: list[LimsSample] | None, options: Options,
              findings: Findings, bundle: Bundle) -> None:
    """Add every consented patient's rows to `bundle`."""
    tumors = Unmapped("tumour location", curation.tumors.source, options.hint)
    drugs = Unmapped("drug", curation.drugs.source, options.hint)
    sites = Unmapped("biopsy site", curation.biopsy_sites.source if curation.biopsy_sites else "", options.hint)
    unknown_consents: dict[str, tuple[Source, int]] = {}
    for p in patients:
        if not p.consented:
            findings.warning(*_where(p.at, "patient_id").where("patient_id"),
                             f"patient {p.patient_id} has no informed consent (or may not be shared); not loaded",
                             "record the informed consent in the eCRF if the patient gave it")
            continue
        decision = _consent(p, options, findings, unknown_consents)
        if decision is not None and decision.in_database is False:
            continue
        bundle.add("patient", _record({
            "patient_id": p.patient_id, "dataset_id": options.dataset_id, "sex": _sex(p), "birth_year": p.birth_year,
            "hospital_code": p.hospital_code, "registration_date": p.registration_date, "death_date": p.death_date,
            "informed_consent_date": p.consent_date,
        }, p.at, {"sex": p.sex.at.field} if p.sex else {}))
        for duo, modifier in duo_terms(decision, options.consent_duo):
            bundle.add("consent", _record({"patient_id": p.patient_id, "duo_code": duo, "modifier": modifier, "consent_date": p.consent_date}, p.at))
        if p.tumor is None:
            p.tumor = _lims_tumor(p.patient_id, lims)
        tumor = _tumor(p, curation, tumors)
        samples = _sample_ids(p, lims, findings)
        for sample_id, biopsy, lims_sample in samples:
            bundle.add("sample", _sample(p, sample_id, biopsy, lims_sample, tumor, curation, sites))
        _therapies(p, samples, curation, drugs, findings, bundle)
    for unmapped in (tumors, drugs, sites):
        unmapped.report(findings)
    for message, (at, n) in unknown_consents.items():
        findings.warning(at.file, at.line, at.field, f"{message}{f' ({n} patients; first here)' if n > 1 else ''}; "
                         f"loaded with the default consent ({options.consent_duo}) only: no germline use, which needs DUO:0000038",
                         f"add the form version or answer to {CONSENT_FILE} and run `onconode ingest ecrf` again (only the clinical rows are replaced)")


def _consent(p: EcrfPatient, options: Options, findings: Findings, unknown: dict[str, tuple[Source, int]]) -> Decision | None:
    """The patient's consent under informed_consents.tsv (None without one). A patient who
    did not consent to the database is reported here; what the file cannot decide is
    collected into `unknown` (one warning per kind, not per patient)."""
    if options.consents is None:
        return None
    decision = decide(options.consents, p.cohort, p.pif_version, p.consent_answers)
    for value, message in decision.unknown:
        at = value.at if value is not None else p.at
        first, n = unknown.get(message, (at, 0))
        unknown[message] = (first, n + 1)
    if decision.unknown:
        return Decision(None, None, decision.unknown)
    if decision.in_database is False:
        answers = ", ".join(f"{oid.rsplit('.', 1)[-1]} = {v.text!r}" for oid, v in p.consent_answers.items()) or "no answers"
        version = p.pif_version.text if p.pif_version else "-"
        findings.warning(*_where(p.at, "patient_id").where("patient_id"),
                         f"patient {p.patient_id}'s informed consent (PIF version {version}, {answers}) "
                         "does not permit the database; not loaded",
                         "nothing to do if the patient declined; otherwise correct the form in the eCRF")
    return decision


def _lims_tumor(patient_id: str, lims: list[LimsSample] | None) -> Value | None:
    """The tumour the LIMS records for the patient's first sample (`ptum`): what patient-db
    curates for WIDE patients, whose forms name no primary tumour."""
    for s in sorted((s for s in lims or () if s.patient_id == patient_id and s.primary_tumor),
                    key=lambda s: (s.sampling_date or dt.date.min, s.sample_id)):
        return Value(s.primary_tumor, Source(s.file, None, f"samples.{s.barcode}.ptum"))  # type: ignore[arg-type]
    return None


def _sex(p: EcrfPatient) -> str | None:
    if p.sex is None:
        return None
    return {"m": "male", "f": "female"}.get(p.sex.text.strip().lower(), p.sex.text.strip().lower())


def _tumor(p: EcrfPatient, curation: Curation, unmapped: Unmapped) -> dict[str, Any]:
    term = curation.tumor_overrides.get(p.patient_id) or (p.tumor.text if p.tumor else None)
    if term is None:
        return {"primary_tumor_curated": None}
    found: TumorCuration | None = curation.tumors.lookup(term)
    if found is None:
        unmapped.add(term, _where(p.tumor.at, "primary_tumor_location") if p.tumor else _where(p.at, "primary_tumor_location"), "primary_tumor_location")
        return {"primary_tumor_location": term, "primary_tumor_curated": False}
    return {
        "primary_tumor_location": found.location, "primary_tumor_sub_location": found.sub_location,
        "primary_tumor_type": found.type, "primary_tumor_sub_type": found.sub_type,
        "primary_tumor_doids": found.doid_text, "primary_tumor_curated": True,
    }


def _sample(p: EcrfPatient, sample_id: str, biopsy: Biopsy | None, lims: LimsSample | None, tumor: dict[str, Any],
            curation: Curation, unmapped: Unmapped) -> Record:
    site = biopsy.site.text if biopsy and biopsy.site else None
    location = biopsy.location.text if biopsy and biopsy.location else None
    curated_site = site
    if curation.biopsy_sites is not None and (site or location):
        curated_site = curation.biopsy_sites.lookup(tumor.get("primary_tumor_location"), tumor.get("primary_tumor_sub_type"), site, location)
        if curated_site is None:
            at = (biopsy.site or biopsy.location).at  # type: ignore[union-attr]
            unmapped.add(" / ".join(v for v in (site, location) if v), _where(at, "biopsy_site"), "biopsy_site")
            curated_site = site
    at = biopsy.at if biopsy else p.at
    values = {
        "sample_id": sample_id, "patient_id": p.patient_id,
        "sampling_date": (lims.sampling_date if lims and lims.sampling_date else biopsy.date if biopsy else None),
        "arrival_date": lims.arrival_date if lims else None,
        "tissue_source": tissue_source(biopsy.tissue.text if biopsy and biopsy.tissue else None),
        "normal_tissue_source": p.normal_source,
        "biopsy_site": curated_site, "biopsy_location": location,
        "pathology_tumor_percentage": lims.tumor_percentage if lims else None,
        **tumor,
    }
    return _record(values, at)


def _therapies(p: EcrfPatient, samples: list, curation: Curation, unmapped: Unmapped, findings: Findings, bundle: Bundle) -> None:
    dated = []
    for t in p.therapies:
        if t.start is None:
            findings.warning(*_where(t.at, "start_date").where("start_date"),
                             f"{'pre-' if t.pre_biopsy else ''}treatment {t.drugs.text!r} of patient {p.patient_id} has no start date; not stored (the model needs one)",
                             "record the start date in the eCRF and export again")
            continue
        dated.append(t)
    dated.sort(key=lambda t: (t.start, t.drugs.text))
    biopsies = sorted((b.date, sid) for sid, b, _ in samples if b is not None and b.date)
    treatments: list[tuple[str, Therapy]] = []
    numbers = {True: 0, False: 0}  # pre-biopsy treatments P1, P2 ...; after the biopsy T1, T2 ...
    for t in dated:
        numbers[t.pre_biopsy] += 1
        tid = f"{p.patient_id}-{'P' if t.pre_biopsy else 'T'}{numbers[t.pre_biopsy]}"
        before = [sid for date, sid in biopsies if date <= t.start] if not t.pre_biopsy else []  # type: ignore[operator]
        r = _record({"treatment_id": tid, "patient_id": p.patient_id, "sample_id": before[-1] if before else None,
                     "line": None, "start_date": t.start, "end_date": t.end, "pre_biopsy": t.pre_biopsy, "drugs": t.drugs.text},
                    t.at, {"drugs": t.at.field})
        add_treatment(r, curation, unmapped, bundle)
        if t.atc_code:
            for d in bundle.records["treatment_drug"]:
                if d["treatment_id"] == tid and d["atc_code"] is None:
                    d.values["atc_code"] = t.atc_code
        treatments.append((tid, t))
    for resp in p.responses:
        if resp.date is None or resp.response is None:
            findings.warning(*_where(resp.at, "response").where("response"), f"a response of patient {p.patient_id} has no date or no result; not stored",
                             "record both in the eCRF")
            continue
        started = [tid for tid, t in treatments if not t.pre_biopsy and t.start <= resp.date]  # type: ignore[operator]
        if not started:
            findings.warning(*_where(resp.at, "treatment_id").where("treatment_id"),
                             f"the response of {resp.date} of patient {p.patient_id} follows no treatment; not stored",
                             "record the treatment it assesses in the eCRF")
            continue
        bundle.add("treatment_response", _record({
            "patient_id": p.patient_id, "treatment_id": started[-1], "response_date": resp.date,
            "response": _response(resp.response.text), "measurement_done": resp.measurement_done, "bone_only_disease": None,
        }, resp.at, {"response": resp.response.at.field}))
