"""The catalogue as DCAT-AP / HealthDCAT-AP JSON-LD, for data-discovery portals (the
European Health Data Space catalogues, national health data access bodies) to harvest.

One `dcat:Catalog` with a `dcat:Dataset` per dataset. The figures
(`healthdcatap:numberOfUniqueIndividuals`, `healthdcatap:numberOfRecords`) are the
disclosure-controlled catalogue counts; a suppressed figure ("<5") is left out rather
than published as a wrong number. The context is inline, so the document expands with
any JSON-LD processor without fetching anything.
"""

from __future__ import annotations

from typing import Any

CONTEXT: dict[str, Any] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "healthdcatap": "http://healthdataportal.eu/ns/health#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:identifier": {"@type": "xsd:string"},
    "dcat:theme": {"@type": "@id"},
    "dct:accessRights": {"@type": "@id"},
    "dcatap:applicableLegislation": {"@type": "@id"},
    "dcat:landingPage": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "dct:conformsTo": {"@type": "@id"},
    "vcard:hasURL": {"@type": "@id"},
    "healthdcatap:numberOfRecords": {"@type": "xsd:nonNegativeInteger"},
    "healthdcatap:numberOfUniqueIndividuals": {"@type": "xsd:nonNegativeInteger"},
}
HEALTH_THEME = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
LEGISLATION = [
    "http://data.europa.eu/eli/reg/2016/679/oj",   # GDPR
    "http://data.europa.eu/eli/reg/2025/327/oj",   # European Health Data Space regulation
]
DUO_IRI = "http://purl.obolibrary.org/obo/{}"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dataset(d: dict[str, Any], base: str, freeze: str | None, publisher: dict[str, Any]) -> dict[str, Any]:
    counts = d.get("counts", {})
    page = f"{base}/catalogue/{d['dataset_id']}"
    out: dict[str, Any] = {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": d["dataset_id"],
        "dct:title": d["title"],
        "dct:description": d["description"] or d["title"],
        "dcat:theme": [HEALTH_THEME],
        "dcat:keyword": ["cancer", "whole-genome sequencing", "metastatic tumour", "treatment response"],
        "dct:publisher": publisher,
        "dct:accessRights": RESTRICTED,
        "dcatap:applicableLegislation": LEGISLATION,
        "dcat:landingPage": page,
        "dcat:contactPoint": {"@type": "vcard:Kind", "vcard:fn": f"{publisher['foaf:name']} data access office",
                              "vcard:hasURL": f"{base}{d['access']}"},
        "dct:rights": f"Access after an approved Data Access Request and a signed licence ({d['licence_type'] or 'licence'}); "
                      f"apply at {base}{d['access']}",
        "dcat:distribution": [{
            "@type": "dcat:Distribution",
            "dct:title": f"{d['dataset_id']} licensed data release" + (f" {freeze}" if freeze else ""),
            "dcat:accessURL": f"{base}{d['access']}",
            "dct:accessRights": RESTRICTED,
            "dct:format": "Parquet / TSV extract of the harmonized model",
            "dct:conformsTo": f"{base}/api/catalogue/{d['dataset_id']}",
        }],
        "healthdcatap:hasCodeValues": [DUO_IRI.format(c["code"].replace(":", "_")) for c in d["consent"]],
    }
    for key, value in (("healthdcatap:numberOfUniqueIndividuals", counts.get("patients")),
                       ("healthdcatap:numberOfRecords", counts.get("samples"))):
        if _count(value) is not None:
            out[key] = value
    return out


def catalog(overview: list[dict[str, Any]], base: str, node_name: str, freeze: str | None) -> dict[str, Any]:
    """The JSON-LD document; `base` is the node's public URL (no trailing slash)."""
    publisher = {"@type": "foaf:Agent", "foaf:name": node_name, "foaf:homepage": {"@id": base + "/"}}
    return {
        "@context": CONTEXT,
        "@id": f"{base}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": f"{node_name} cancer genomics data catalogue",
        "dct:description": "Metastatic tumour whole-genome sequencing with clinical and treatment-response data; "
                           "counts are disclosure-controlled" + (f"; data freeze {freeze}" if freeze else ""),
        "dct:publisher": publisher,
        "dcat:theme": [HEALTH_THEME],
        "dcat:dataset": [_dataset(d, base, freeze, publisher) for d in overview],
    }
