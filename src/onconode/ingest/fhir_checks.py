"""Checks of one FHIR R4 patient bundle before anything is read from it: the FHIR structure
and datatypes of every resource (`fhir.resources`, R4B sub-package: fhir.resources 8.x
has R5 at its root and no plain R4 package; R4B differs from R4 in none of the resources
mCODE uses), then the mCODE 4.0.0 must-haves `fhir.resources` does not know (it checks no
profile): a collection Bundle claiming mcode-patient-bundle, exactly one Patient, a
meta.profile on every resource, the codes of each profile from its named system, and
references that resolve inside the bundle.

Each problem comes with its JSON path (`entry[3].resource.valueQuantity.value`), so a
data manager can find it in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from onconode.model import fhir_terms as T

MAX_PER_RESOURCE = 5  # datatype errors shown per resource; the rest are counted

# profile → (system, code) its Observation / DiagnosticReport code must have
PROFILE_CODE = {
    T.PROFILE["variant"]: (T.LOINC, T.VARIANT_CODE[0]),
    T.PROFILE["region-studied"]: (T.LOINC, T.REGION_CODE[0]),
    T.PROFILE["disease-status"]: (T.LOINC, T.DISEASE_STATUS_CODE[0]),
    T.PROFILE["DiagnosticReport"]: (T.LOINC, T.REPORT_CODE[0]),
    T.PROFILE["tmb"]: (T.LOINC, T.TMB_CODE[0]),
    T.PROFILE["msi"]: (T.LOINC, T.MSI_CODE[0]),
}
# profile → where its codings must come from, and the systems allowed there
PROFILE_SYSTEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    T.PROFILE["Condition"]: ("code", (T.DOID, T.SNOMED, T.ICDO3)),
    T.PROFILE["Specimen"]: ("type", (T.V2_0487, T.CS_TISSUE)),
    T.PROFILE["MedicationAdministration"]: ("medicationCodeableConcept", (T.ATC,)),
    T.PROFILE["disease-status"]: ("valueCodeableConcept", (T.SNOMED, T.NCIT, T.CS_RESPONSE)),
    T.PROFILE["tumor-marker"]: ("code", (T.LOINC, T.CS_OBSERVATION)),
}
COMPONENT_SYSTEMS = (T.LOINC, T.CS_OBSERVATION, "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs")


def _loc(loc: tuple[Any, ...]) -> str:
    """pydantic's ('valueQuantity', 'value') / ('component', 2, 'code') → JSON path text."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def structure(raw: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON path, problem) for each resource FHIR R4 (R4B models) does not accept."""
    head = {k: v for k, v in raw.items() if k != "entry"}
    yield from _validate("Bundle", head, "")
    entries = raw.get("entry")
    if not isinstance(entries, list):
        yield "entry", "the bundle has no entry list"
        return
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield f"entry[{i}]", "the entry has no resource object"
            continue
        yield from _validate(str(resource.get("resourceType")), resource, f"entry[{i}].resource")


def _validate(kind: str, resource: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    try:
        model = get_fhir_model_class(kind)
    except KeyError:
        yield f"{at}.resourceType".lstrip("."), f"{kind!r} is not a FHIR R4 resource type"
        return
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        errors = exc.errors()
        for e in errors[:MAX_PER_RESOURCE]:
            yield f"{at}{_loc(e['loc'])}".lstrip("."), f"not valid FHIR R4 {kind}: {e['msg']}"
        if len(errors) > MAX_PER_RESOURCE:
            yield at or "(bundle)", f"... and {len(errors) - MAX_PER_RESOURCE} more problem(s) in this {kind}"


def _systems(concept: Any) -> list[str]:
    return [c.get("system") for c in (concept or {}).get("coding", []) if isinstance(c, dict)]


def mcode(raw: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON path, problem) for each mCODE 4.0.0 must-have the bundle misses."""
    if raw.get("type") != "collection":
        yield "type", f"the bundle's type is {raw.get('type')!r}; an mCODE patient bundle is a 'collection'"
    if T.PROFILE["Bundle"] not in (raw.get("meta") or {}).get("profile", []):
        yield "meta.profile", f"the bundle does not claim {T.PROFILE['Bundle']}"
    entries = [e for e in raw.get("entry", []) if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    patients = [i for i, e in enumerate(entries) if e["resource"].get("resourceType") == "Patient"]
    if len(patients) != 1:
        yield "entry", f"an mCODE patient bundle holds exactly one Patient; this one holds {len(patients)}"
    urls = {e.get("fullUrl") for e in entries}
    for i, e in enumerate(entries):
        r, at = e["resource"], f"entry[{i}].resource"
        profiles = (r.get("meta") or {}).get("profile") or []
        if not profiles:
            yield f"{at}.meta.profile", f"the {r.get('resourceType')} claims no profile (mCODE 4.0.0 / Genomics Reporting 2.0.0)"
        for profile in profiles:
            if profile in PROFILE_CODE:
                system, code = PROFILE_CODE[profile]
                if not any(c.get("system") == system and c.get("code") == code for c in (r.get("code") or {}).get("coding", [])):
                    yield f"{at}.code", f"a {profile.rsplit('/', 1)[1]} has the code {system}|{code}"
            if profile in PROFILE_SYSTEMS:
                element, allowed = PROFILE_SYSTEMS[profile]
                for j, system in enumerate(_systems(r.get(element))):
                    if system not in allowed:
                        yield f"{at}.{element}.coding[{j}].system", f"{system!r} is not one of the systems a {profile.rsplit('/', 1)[1]} uses here: {', '.join(allowed)}"
        for j, comp in enumerate(r.get("component") or []):
            for k, system in enumerate(_systems(comp.get("code"))):
                if system not in COMPONENT_SYSTEMS:
                    yield f"{at}.component[{j}].code.coding[{k}].system", f"component codes come from LOINC (or the named GR/onconode systems), not {system!r}"
        yield from _references(r, at, urls)


def _references(value: Any, at: str, urls: set[Any]) -> Iterator[tuple[str, str]]:
    """References to `urn:uuid:` entries that the bundle does not hold."""
    stack = [(at, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            target = item.get("reference")
            if isinstance(target, str) and target.startswith("urn:uuid:") and target not in urls:
                yield f"{where}.reference", f"{target} is not an entry of this bundle"
            stack.extend((f"{where}.{k}", v) for k, v in item.items() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((f"{where}[{n}]", v) for n, v in enumerate(item))
