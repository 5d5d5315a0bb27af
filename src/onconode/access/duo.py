"""GA4GH Data Use Ontology (DUO) matching of a request's purpose against consent.

Datasets and patients carry DUO codes; a request states its purpose in DUO terms plus
the facts the modifiers test (organisation type, country, term, ethics approval). Each
consent code gets an outcome with a reason the board can read:

- permissions (NRES, GRU, HMB, DS, POA) are alternatives: the purpose must fit one.
  The DUO hierarchy DS ⊂ HMB ⊂ GRU holds, and a DS request matches DS consent when each
  requested disease is the consented disease or below it (the query is always the most
  specific level; DUO README).
- restricting modifiers (NPU, NCU, NPUNCU, GS, TS, IRB, NMDS, GSO, NPOA, CC) must hold.
- obligations (COL, PUB, MOR, RTN) do not block; they are written into the licence.
- US, PS, IS, RS and unknown codes need the board's manual review.

The result is advice to the board, except that patients whose consent does not cover the
purpose are excluded from any release (`excluded_patients`).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from onconode.access.organisations import EEA
from onconode.model.codes import GERMLINE_CONSENT
from onconode.model.duo import Term, terms  # noqa: F401  (re-exported)

MATCH, NO_MATCH, REVIEW, OBLIGATION, NOT_USED = "match", "no_match", "needs_review", "obligation", "not_used"
PURPOSES = ("GRU", "HMB", "DS", "POA")
EU = EEA - {"IS", "LI", "NO"}


@lru_cache(maxsize=1)
def disease_parents() -> dict[str, str]:
    text = resources.files("onconode.data").joinpath("duo/disease_hierarchy.tsv").read_text(encoding="utf-8")
    return {r["id"]: r["parent"] for r in csv.DictReader(text.splitlines(), delimiter="\t") if r["parent"]}


def is_within(disease: str, ancestor: str) -> bool:
    """`disease` is `ancestor` or below it in the disease hierarchy."""
    parents = disease_parents()
    seen = set()
    while disease and disease not in seen:
        if disease == ancestor:
            return True
        seen.add(disease)
        disease = parents.get(disease, "")
    return False


def code_id(code: str) -> str:
    """Accept a DUO id (DUO:0000042) or its shorthand (GRU)."""
    code = code.strip()
    if code in terms():
        return code
    for t in terms().values():
        if t.shorthand and t.shorthand.upper() == code.upper():
            return t.id
    raise ValueError(f"{code!r} is not a DUO term id or shorthand (e.g. DUO:0000042 or GRU)")


@dataclass(frozen=True)
class Consent:
    code: str
    modifier: str | None = None


def parse_consent_list(text: str | None) -> list[Consent]:
    """Dataset consent as in the model's `consent_duo`: `DUO:0000042,DUO:0000007=DOID:1612`."""
    out = []
    for part in (text or "").split(","):
        if part.strip():
            code, _, modifier = part.partition("=")
            out.append(Consent(code_id(code), modifier.strip() or None))
    return out


@dataclass(frozen=True)
class Purpose:
    primary: str
    diseases: tuple[str, ...] = ()
    methods_development: bool = False
    genetic_study: bool = True
    commercial_use: bool = False
    clinical_care: bool = False

    @classmethod
    def from_form(cls, form: dict[str, Any]) -> "Purpose":
        p = form or {}
        return cls(p.get("primary", ""), tuple(p.get("diseases") or ()), bool(p.get("methods_development")),
                   bool(p.get("genetic_study", True)), bool(p.get("commercial_use")), bool(p.get("clinical_care")))


@dataclass(frozen=True)
class Requester:
    non_profit: bool
    country: str
    term_end: dt.date | None
    ethics_approval: bool


@dataclass(frozen=True)
class CodeResult:
    code: str
    shorthand: str
    outcome: str
    reason: str


@dataclass
class MatchResult:
    outcome: str
    codes: list[CodeResult] = field(default_factory=list)

    @property
    def obligations(self) -> list[str]:
        return [f"{c.shorthand}: {c.reason}" for c in self.codes if c.outcome == OBLIGATION]

    @property
    def reasons(self) -> list[str]:
        return [f"{c.shorthand or c.code}: {c.reason}" for c in self.codes if c.outcome in (NO_MATCH, REVIEW)]


def _permission(t: Term, c: Consent, p: Purpose) -> tuple[str, str]:
    s = t.shorthand
    if s == "NRES":
        return MATCH, "no restriction on use"
    if s == "GRU":
        return MATCH, "general research use covers any research purpose"
    if s == "HMB":
        if p.primary in ("HMB", "DS"):
            return MATCH, "health/medical/biomedical research is allowed"
        return NO_MATCH, f"consent allows health/medical research only; the purpose is {p.primary or 'not given'}"
    if s == "DS":
        if not c.modifier:
            return REVIEW, "disease-specific consent without a recorded disease: check the consent form"
        if p.primary != "DS":
            return NO_MATCH, f"consent covers research on {c.modifier} only; the purpose ({p.primary or 'not given'}) is broader"
        outside = [d for d in p.diseases if not is_within(d, c.modifier)]
        if outside:
            return NO_MATCH, f"requested disease(s) {', '.join(outside)} are not within consented {c.modifier}"
        return MATCH, f"requested disease(s) are within consented {c.modifier}"
    if s == "POA":
        if p.primary == "POA":
            return MATCH, "population origins or ancestry research is allowed"
        return NO_MATCH, "consent is limited to population origins or ancestry research"
    return REVIEW, f"{t.label}: not a permission onconode evaluates"


def _region(modifier: str) -> set[str]:
    out: set[str] = set()
    for part in modifier.replace(";", " ").replace(",", " ").split():
        part = part.upper()
        out |= set(EEA) if part == "EEA" else set(EU) if part == "EU" else {part}
    return out


def _modifier(t: Term, c: Consent, p: Purpose, r: Requester) -> tuple[str, str]:
    s = t.shorthand
    if s in ("NPU", "NPUNCU") and not r.non_profit:
        return NO_MATCH, "use limited to not-for-profit organisations; the licensee is commercial"
    if s in ("NCU", "NPUNCU") and p.commercial_use:
        return NO_MATCH, "use limited to non-commercial purposes; the purpose is commercial"
    if s in ("NPU", "NCU", "NPUNCU"):
        return MATCH, "not-for-profit organisation and non-commercial use"
    if s == "GS":
        if not c.modifier:
            return REVIEW, "geographical restriction without a recorded region: check the consent form"
        if r.country.upper() in _region(c.modifier):
            return MATCH, f"licensee country {r.country} is within {c.modifier}"
        return NO_MATCH, f"use limited to {c.modifier}; the licensee is in {r.country}"
    if s == "TS":
        if not c.modifier:
            return REVIEW, "time limit without a recorded end date: check the consent form"
        limit = dt.date.fromisoformat(c.modifier)
        if r.term_end is not None and r.term_end <= limit:
            return MATCH, f"the licence term ends {r.term_end} on or before the consent limit {limit}"
        return NO_MATCH, f"use allowed until {limit}; the requested term ends {r.term_end}"
    if s == "IRB":
        return (MATCH, "ethics approval attached") if r.ethics_approval else (NO_MATCH, "ethics approval required: attach the approval of your ethics committee")
    if s == "NMDS":
        return (NO_MATCH, "methods development is not allowed") if p.methods_development else (MATCH, "no methods development")
    if s == "GSO":
        return (MATCH, "genetic study") if p.genetic_study else (NO_MATCH, "use limited to genetic studies")
    if s == "NPOA":
        return (NO_MATCH, "population origins or ancestry research is prohibited") if p.primary == "POA" else (MATCH, "no ancestry research")
    if s == "CC":
        return MATCH, "clinical care use is allowed"
    if s == "COL":
        return OBLIGATION, "collaboration with the primary study investigators is required"
    if s == "PUB":
        return OBLIGATION, "results must be made available to the scientific community"
    if s == "RTN":
        return OBLIGATION, "derived or enriched data must be returned to the database"
    if s == "MOR":
        return OBLIGATION, f"no publication before {c.modifier}" if c.modifier else "a publication moratorium applies (date on the consent form)"
    return REVIEW, f"{t.label}: the board must check this restriction by hand"


def match(consent: Iterable[Consent], purpose: Purpose, requester: Requester) -> MatchResult:
    """Match one consent (a dataset's or a patient's codes) against a request."""
    results: list[CodeResult] = []
    permission_hits = []
    for c in consent:
        t = terms().get(c.code)
        if t is None or t.obsolete:
            results.append(CodeResult(c.code, t.shorthand if t else "", REVIEW, "obsolete or unknown DUO term: re-code the consent"))
            continue
        if c.code == GERMLINE_CONSENT:   # a permission for germline data, checked where germline data is used
            results.append(CodeResult(c.code, t.shorthand, NOT_USED, "genetic research: permits the patient's germline "
                                      "data where an approval names it (analysis/germline.py)"))
            continue
        if t.category == "permission":
            outcome, reason = _permission(t, c, purpose)
            permission_hits.append(len(results))
        else:
            outcome, reason = _modifier(t, c, purpose, requester)
        results.append(CodeResult(c.code, t.shorthand, outcome, reason))
    if purpose.clinical_care and not any(r.shorthand == "CC" for r in results) and not any(r.shorthand == "NRES" for r in results):
        results.append(CodeResult("DUO:0000043", "CC", NO_MATCH, "clinical care use is not in the consent"))
    perms = [results[i] for i in permission_hits]
    if not perms:
        results.append(CodeResult("", "", NO_MATCH, "the consent names no permission (NRES, GRU, HMB, DS or POA)"))
    elif any(p.outcome == MATCH for p in perms):
        for i in permission_hits:
            if results[i].outcome != MATCH:
                results[i] = CodeResult(results[i].code, results[i].shorthand, NOT_USED, "another permission of this consent covers the purpose")
    outcomes = {r.outcome for r in results}
    overall = NO_MATCH if NO_MATCH in outcomes else REVIEW if REVIEW in outcomes else MATCH
    return MatchResult(overall, results)


def excluded_patients(store: Any, purpose: Purpose, requester: Requester, freeze: str | None = None,
                      patients: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Patients whose consent does not cover the purpose, with the reasons.

    A patient's own consent rows decide; without them the dataset's consent applies;
    with neither, the patient is excluded. Needs-review counts as not covered: a release
    contains only patients whose consent clearly matches.
    """
    wanted = set(patients) if patients is not None else None
    pat = store.table("patient", freeze=freeze).select("patient_id", "dataset_id").to_pyarrow().to_pylist()
    cons = store.table("consent", freeze=freeze).select("patient_id", "duo_code", "modifier").to_pyarrow().to_pylist()
    ds = store.table("dataset", freeze=freeze).select("dataset_id", "consent_duo").to_pyarrow().to_pylist()
    dataset_consent = {d["dataset_id"]: d["consent_duo"] for d in ds}
    own: dict[str, list[Consent]] = {}
    for c in cons:
        own.setdefault(c["patient_id"], []).append(Consent(code_id(c["duo_code"]), c["modifier"]))
    out: dict[str, list[str]] = {}
    for p in pat:
        pid = p["patient_id"]
        if wanted is not None and pid not in wanted:
            continue
        consent = own.get(pid) or parse_consent_list(dataset_consent.get(p["dataset_id"]))
        if not consent:
            out[pid] = ["no consent recorded for the patient or the dataset"]
            continue
        result = match(consent, purpose, requester)
        if result.outcome != MATCH:
            out[pid] = result.reasons
    return out
