"""Small FHIR R4 datatype builders (plain dicts, ready for `json.dumps`) and the
deterministic resource ids every FHIR resource of an export gets.

Why dicts and not `fhir.resources` models: one patient can have tens of thousands of
Variant observations; building pydantic models for each costs far more than writing
them, and the tests validate every resource with `fhir.resources` anyway.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from onconode.model import fhir_terms as T

# uuid5 namespace of onconode exports: the same key gives the same id in every export
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, T.ONCONODE)

Json = dict[str, Any]


def uid(kind: str, *key: object) -> str:
    """The resource id of `kind` with model key `key`: a UUID v5, so a re-export of the same
    rows writes the same ids (and the same bytes), and no pseudonym leaks into a URL."""
    return str(uuid.uuid5(_NAMESPACE, "|".join([kind, *map(str, key)])))


def ref(resource_id: str) -> Json:
    """A reference to another entry of the bundle (entries' fullUrl is `urn:uuid:<id>`)."""
    return {"reference": f"urn:uuid:{resource_id}"}


def coding(system: str, code: str, display: str | None = None) -> Json:
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def cc(system: str, pair: tuple[str, str] | str, text: str | None = None) -> Json:
    """A CodeableConcept of one coding: `pair` is (code, display) or a bare code."""
    code, display = pair if isinstance(pair, tuple) else (pair, None)
    out: Json = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def loinc(pair: tuple[str, str]) -> Json:
    return cc(T.LOINC, pair)


def local(code: str) -> Json:
    return cc(T.CS_OBSERVATION, (code, T.LOCAL[code]))


def quantity(value: float | int, unit: str | None = None, code: str | None = None) -> Json:
    out: Json = {"value": value}
    if unit:
        out["unit"] = unit
    if code:
        out |= {"system": T.UCUM, "code": code}
    return out


def day(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat()[:10] if value is not None else None


def meta(profile: str) -> Json:
    return {"profile": [profile]}


def extension(url: str, **values: Any) -> Json:
    """A complex extension: each keyword is a sub-extension `{url: key, value[x]: ...}`,
    with value[x] from the Python type (str → valueString, bool → valueBoolean, int →
    valueInteger, dict → given as {"valueXxx": ...}); None values are left out."""
    subs = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, dict):
            subs.append({"url": key, **value})
        elif isinstance(value, bool):
            subs.append({"url": key, "valueBoolean": value})
        elif isinstance(value, int):
            subs.append({"url": key, "valueInteger": value})
        else:
            subs.append({"url": key, "valueString": str(value)})
    return {"url": url, "extension": subs}


def laboratory() -> list[Json]:
    """Observation.category of every lab and genomic observation (US Core lab + GR 'GE')."""
    return [cc(T.OBS_CATEGORY, ("laboratory", "Laboratory")), cc(T.V2_0074, ("GE", "Genetics"))]


def component(code: tuple[str, str], **value: Any) -> Json:
    """An Observation.component with a LOINC code and one value[x] given as keyword."""
    return {"code": loinc(code), **value}
