"""A Beacon request, whatever form it came in, as one normalised `BeaconQuery`.

Clients send GET query strings (comma-joined lists) or POST `beaconRequestBody` JSON, with
`requestParameters` either nested under `g_variant` (the schema's form) or flat (the
docs' and most implementations' form), and with several spellings of a few parameters
(`geneId`/`geneid`, `genomicAlleleShortForm`/`allele`). All are accepted here
(reference/beacon.md §1.3-1.5), so the rest of the Beacon sees one shape, and the
response echoes the nested form, which is the one that validates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from onconode.analysis.beacon_rules import Granularity

API_VERSION = "v2.1.1"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_TERMS = 50  # filters or dataset ids in one query (docs/security.md: every list has a cap)
BASES = re.compile(r"^[ACGTUNRYSWKMBDHV\-.]*$")


class BeaconRequestError(ValueError):
    """The request cannot be answered as asked (HTTP 400); the message says what to fix."""


@dataclass(frozen=True)
class Filter:
    """One filtering term: an ontology CURIE, or `id operator value` (alphanumeric)."""
    id: str
    operator: str = "="
    value: str | None = None
    include_descendants: bool = True

    def as_request(self) -> str:
        return self.id if self.value is None else f"{self.id}{self.operator}{self.value}"


@dataclass(frozen=True)
class VariantParams:
    reference_name: str | None = None
    assembly_id: str | None = None
    start: tuple[int, ...] = ()
    end: tuple[int, ...] = ()
    reference_bases: str | None = None
    alternate_bases: str | None = None
    variant_type: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    gene_id: str | None = None
    amino_acid_change: str | None = None
    allele: str | None = None

    def is_empty(self) -> bool:
        return self == VariantParams()

    def as_request(self) -> dict[str, Any]:
        names = {"reference_name": "referenceName", "assembly_id": "assemblyId", "start": "start", "end": "end",
                 "reference_bases": "referenceBases", "alternate_bases": "alternateBases", "variant_type": "variantType",
                 "min_length": "variantMinLength", "max_length": "variantMaxLength", "gene_id": "geneId",
                 "amino_acid_change": "aminoacidChange", "allele": "genomicAlleleShortForm"}
        out = {names[k]: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if v not in (None, ())}
        return out


@dataclass(frozen=True)
class BeaconQuery:
    granularity: Granularity = "boolean"
    variant: VariantParams = field(default_factory=VariantParams)
    filters: tuple[Filter, ...] = ()
    dataset_ids: tuple[str, ...] = ()
    skip: int = 0
    limit: int = DEFAULT_LIMIT
    include: str = "HIT"
    test_mode: bool = False
    requested_schemas: tuple[dict[str, str], ...] = ()

    def summary(self) -> dict[str, Any]:
        """`meta.receivedRequestSummary`, in the schema-valid (nested) form."""
        out: dict[str, Any] = {
            "apiVersion": API_VERSION, "requestedSchemas": list(self.requested_schemas),
            "pagination": {"skip": self.skip, "limit": self.limit}, "requestedGranularity": self.granularity,
            "includeResultsetResponses": self.include,
        }
        if self.filters:
            out["filters"] = [f.as_request() for f in self.filters]
        if not self.variant.is_empty():
            out["requestParameters"] = {"g_variant": self.variant.as_request()}
        if self.test_mode:
            out["testMode"] = True
        return out


# -- parsing -------------------------------------------------------------------------
_ALIASES = {
    "referenceName": "reference_name", "assemblyId": "assembly_id", "start": "start", "end": "end",
    "referenceBases": "reference_bases", "alternateBases": "alternate_bases", "variantType": "variant_type",
    "variantMinLength": "min_length", "variantMaxLength": "max_length", "geneId": "gene_id", "geneid": "gene_id",
    "aminoacidChange": "amino_acid_change", "aminoAcidChange": "amino_acid_change",
    "genomicAlleleShortForm": "allele", "allele": "allele",
}
_FILTER = re.compile(r"^(?P<id>[^<>=!]+?)(?P<op>>=|<=|=|<|>|!)(?P<value>.+)$")


def _ints(name: str, value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    try:
        out = tuple(int(v) for v in items if str(v).strip() != "")
    except ValueError:
        raise BeaconRequestError(f"{name} must be one or two integers (0-based), e.g. {name}=7577120; got {value!r}") from None
    if len(out) > 2 or any(v < 0 for v in out):
        raise BeaconRequestError(f"{name} takes one or two non-negative integers; got {value!r}")
    return out


def _int(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BeaconRequestError(f"{name} must be an integer; got {value!r}") from None


def variant_params(raw: Mapping[str, Any]) -> VariantParams:
    """Genomic variant parameters from a flat mapping (GET query or flat POST form)."""
    kw: dict[str, Any] = {}
    for key, value in raw.items():
        name = _ALIASES.get(key)
        if name is None or value in (None, ""):
            continue
        if name in ("start", "end"):
            kw[name] = _ints(key, value)
        elif name in ("min_length", "max_length"):
            kw[name] = _int(key, value)
        else:
            kw[name] = str(value).strip()
    for bases in ("reference_bases", "alternate_bases"):
        if bases in kw:
            kw[bases] = kw[bases].upper()
            if not BASES.match(kw[bases]):
                raise BeaconRequestError(f"{bases}: {kw[bases]!r} is not IUPAC nucleotides (A, C, G, T, N, ...)")
    return VariantParams(**kw)


def _filter(item: Any) -> Filter:
    if isinstance(item, str):
        m = _FILTER.match(item)
        return Filter(m["id"], m["op"], m["value"]) if m else Filter(item.strip())
    if isinstance(item, Mapping) and item.get("id"):
        if "value" in item:
            return Filter(str(item["id"]), str(item.get("operator", "=")), str(item["value"]))
        return Filter(str(item["id"]), include_descendants=bool(item.get("includeDescendantTerms", True)))
    raise BeaconRequestError(f"a filter needs an 'id' (a CURIE such as DOID:1612, see /filtering_terms); got {item!r}")


def _granularity(value: Any) -> Granularity:
    if value not in ("boolean", "count", "record"):
        raise BeaconRequestError(f"requestedGranularity must be boolean, count or record; got {value!r}")
    return value


def _include(value: Any) -> str:
    v = str(value).upper()
    if v not in ("ALL", "HIT", "MISS", "NONE"):
        raise BeaconRequestError(f"includeResultsetResponses must be ALL, HIT, MISS or NONE; got {value!r}")
    return v


def _limit(value: Any) -> int:
    n = _int("limit", value)
    return MAX_LIMIT if n <= 0 else min(n, MAX_LIMIT)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _capped(name: str, values: Any) -> Any:
    if len(values) > MAX_TERMS:
        raise BeaconRequestError(f"{name} has {len(values):,} entries; a query may name at most {MAX_TERMS}")
    return values


def from_get(params: Mapping[str, str]) -> BeaconQuery:
    """A GET query string (lists comma-joined, as the spec asks)."""
    return BeaconQuery(
        granularity=_granularity(params.get("requestedGranularity", "boolean")),
        variant=variant_params(params),
        filters=tuple(_filter(f) for f in _capped("filters", _split(params.get("filters")))),
        dataset_ids=_capped("datasetIds", _split(params.get("datasetIds") or params.get("datasets"))),
        skip=_int("skip", params.get("skip", 0)),
        limit=_limit(params.get("limit", DEFAULT_LIMIT)),
        include=_include(params.get("includeResultsetResponses", "HIT")),
        test_mode=str(params.get("testMode", "")).lower() == "true",
    )


def from_body(body: Any) -> BeaconQuery:
    """A POST `beaconRequestBody` (an empty body is a request for everything, as boolean)."""
    if body in (None, b"", ""):
        body = {}
    if not isinstance(body, Mapping):
        raise BeaconRequestError("the request body must be a JSON object (beaconRequestBody: {meta, query})")
    meta = body.get("meta") or {}
    query = body.get("query") or {}
    if not isinstance(query, Mapping) or not isinstance(meta, Mapping):
        raise BeaconRequestError("'meta' and 'query' must be JSON objects")
    rp = query.get("requestParameters") or {}
    if not isinstance(rp, Mapping):
        raise BeaconRequestError("query.requestParameters must be an object, e.g. {\"g_variant\": {...}}")
    flat = dict(rp.get("g_variant") or {}) if isinstance(rp.get("g_variant"), Mapping) else {}
    flat.update({k: v for k, v in rp.items() if k != "g_variant"})
    page = query.get("pagination") or {}
    filters = query.get("filters") or []
    if not isinstance(filters, list):
        raise BeaconRequestError("query.filters must be a list of filtering terms")
    datasets = rp.get("datasets", {}).get("datasetIds", []) if isinstance(rp.get("datasets"), Mapping) else []
    return BeaconQuery(
        granularity=_granularity(query.get("requestedGranularity", "boolean")),
        variant=variant_params(flat),
        filters=tuple(_filter(f) for f in _capped("query.filters", filters)),
        dataset_ids=tuple(_capped("datasetIds", datasets if isinstance(datasets, list) else [datasets])),
        skip=_int("skip", page.get("skip", 0)),
        limit=_limit(page.get("limit", DEFAULT_LIMIT)),
        include=_include(query.get("includeResultsetResponses", "HIT")),
        test_mode=bool(query.get("testMode", False)),
        requested_schemas=tuple(s for s in meta.get("requestedSchemas", []) if isinstance(s, Mapping)),
    )
