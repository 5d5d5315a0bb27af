"""Tumour types as Beacon filtering terms, in the three vocabularies a federation sends:
Disease Ontology (DOID), OncoTree and ICD-O-3 morphology.

What the model holds decides what is advertised and how a term is answered:
- DOID: `sample.primary_tumor_doids` (the curated tumour type); a DOID filter includes the
  term's descendants unless the request says `includeDescendantTerms: false`;
- OncoTree: the model holds no OncoTree column; the cBioPortal reader curates each
  OncoTree code it knows into its DOID (ingest/cbioportal/oncotree.py), so an OncoTree
  term is answered through that DOID (descendants included) and advertised when a sample
  has it;
- ICD-O-3: `sample.haematological_diagnosis_code` (the morphology code of a haematological
  diagnosis, e.g. 9861/3), matched exactly: `ICDO3:9861/3`.

All three are one field (the tumour type): several tumour-type filters in one query are
OR-ed (spec FAQ: terms on the same field), whichever vocabulary each uses.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from onconode.analysis import doid
from onconode.beacon.request import BeaconRequestError, Filter
from onconode.ingest.cbioportal.oncotree import ONCOTREE

FIELD = "tumour_type"
SCOPES = ["biosample", "individual"]
ONCOTREE_PREFIX, ICDO_PREFIX = "OncoTree", "ICDO3"
RESOURCES: list[dict[str, str]] = [
    {"id": "DOID", "name": "Human Disease Ontology", "url": "http://purl.obolibrary.org/obo/doid.owl",
     "nameSpacePrefix": "DOID", "iriPrefix": "http://purl.obolibrary.org/obo/DOID_"},
    {"id": ONCOTREE_PREFIX, "name": "OncoTree (MSKCC tumour type classification)", "url": "https://oncotree.mskcc.org",
     "nameSpacePrefix": ONCOTREE_PREFIX},
    {"id": ICDO_PREFIX, "name": "International Classification of Diseases for Oncology, 3rd edition (morphology)",
     "url": "https://www.who.int/standards/classifications/other-classifications/international-classification-of-diseases-for-oncology",
     "nameSpacePrefix": ICDO_PREFIX},
]


def _prefix(term_id: str) -> tuple[str, str]:
    prefix, _, code = term_id.partition(":")
    return prefix.strip().upper(), code.strip()


def is_term(term_id: str) -> bool:
    return _prefix(term_id)[0] in ("DOID", ONCOTREE_PREFIX.upper(), ICDO_PREFIX.upper())


def _doid_pred(base: ir.Table, codes: set[str]) -> ir.BooleanValue:
    pattern = r"(^|,)\s*(" + "|".join(sorted(codes)) + r")\s*(,|$)"  # codes are digits (checked by the callers)
    return base.primary_tumor_doids.re_search(pattern)


def predicate(base: ir.Table, f: Filter) -> ir.BooleanValue:
    """The samples of `base` a tumour-type term selects; an unknown term says where the known ones are."""
    prefix, code = _prefix(f.id)
    if prefix == "DOID":
        if not code.isdigit() or not doid.known(code):
            raise BeaconRequestError(f"filter {f.id!r} is not a Disease Ontology term of this node; see /beacon/filtering_terms")
        return _doid_pred(base, doid.descendants(code) if f.include_descendants else {code})
    if prefix == ONCOTREE_PREFIX.upper():
        curated = ONCOTREE.get(code.upper())
        if curated is None:
            raise BeaconRequestError(f"filter {f.id!r}: this node answers the OncoTree codes it curates into Disease Ontology "
                                     f"terms ({', '.join(sorted(ONCOTREE))}); see /beacon/filtering_terms")
        return _doid_pred(base, doid.descendants(curated.doids) | {curated.doids})
    if not code:
        raise BeaconRequestError(f"filter {f.id!r}: give an ICD-O-3 morphology code, e.g. {ICDO_PREFIX}:9861/3")
    return base.haematological_diagnosis_code == code


def terms(doids: list[str], icdo: dict[str, str]) -> list[dict[str, Any]]:
    """The tumour-type filtering terms the store's samples can match: their DOIDs, the
    OncoTree codes curated into those DOIDs, their ICD-O-3 codes (with their diagnosis)."""
    held = set(doids)
    out = [{"type": "ontologyTerm", "id": f"DOID:{c}", "label": doid.name(c) or f"DOID:{c}", "scopes": SCOPES}
           for c in sorted(held, key=int)]
    for code, c in sorted(ONCOTREE.items()):
        if c.doids in held:
            out.append({"type": "ontologyTerm", "id": f"{ONCOTREE_PREFIX}:{code}",
                        "label": f"{c.sub_type or c.type} ({c.location})", "scopes": SCOPES})
    out += [{"type": "ontologyTerm", "id": f"{ICDO_PREFIX}:{code}", "label": label or code, "scopes": SCOPES}
            for code, label in sorted(icdo.items())]
    return out
