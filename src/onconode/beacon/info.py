"""The Beacon's informational documents (/info, /service-info, /configuration, /map,
/entry_types, /filtering_terms), all derived from one `BeaconInfo` so they never disagree
(the spec asks service-info to mirror info and configuration)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from onconode import __version__
from onconode.beacon import tumour_types
from onconode.beacon.request import API_VERSION
from onconode.beacon.search import ALPHANUMERIC, SEX_TERMS
from onconode.settings import BeaconSection

SCHEMA_BASE = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/models/json/beacon-v2-default-model"


@dataclass(frozen=True)
class EntryType:
    id: str          # Beacon entry type id, e.g. genomicVariant
    path: str        # endpoint, e.g. g_variants
    name: str
    term: tuple[str, str]
    folder: str      # default-model folder of its schema
    related: tuple[tuple[str, str], ...] = ()  # (endpoint suffix, returned entry type)
    collection: bool = False


ENTRY_TYPES: tuple[EntryType, ...] = (
    EntryType("individual", "individuals", "Individual", ("NCIT:C25190", "Person"), "individuals",
              (("g_variants", "genomicVariant"), ("biosamples", "biosample"))),
    EntryType("biosample", "biosamples", "Biosample", ("NCIT:C70699", "Biospecimen"), "biosamples",
              (("g_variants", "genomicVariant"), ("analyses", "analysis"), ("runs", "run"))),
    EntryType("genomicVariant", "g_variants", "Genomic Variants", ("ENSGLOSSARY:0000092", "Variant"), "genomicVariations",
              (("biosamples", "biosample"), ("individuals", "individual"))),
    EntryType("analysis", "analyses", "Bioinformatics analysis", ("edam:operation_2945", "Analysis"), "analyses",
              (("g_variants", "genomicVariant"),)),
    EntryType("run", "runs", "Sequencing run", ("NCIT:C148088", "Sequencing run"), "runs",
              (("g_variants", "genomicVariant"), ("analyses", "analysis"))),
    EntryType("dataset", "datasets", "Dataset", ("NCIT:C47824", "Data set"), "datasets",
              (("g_variants", "genomicVariant"), ("biosamples", "biosample"), ("individuals", "individual")), True),
    EntryType("cohort", "cohorts", "Cohort", ("NCIT:C61512", "Cohort"), "cohorts",
              (("individuals", "individual"),), True),
)
BY_PATH = {e.path: e for e in ENTRY_TYPES}
BY_ID = {e.id: e for e in ENTRY_TYPES}


@dataclass(frozen=True)
class BeaconInfo:
    """Who runs this Beacon: the [beacon] section of the node's settings (docs/settings.md)."""
    id: str = "org.onconode.beacon"
    name: str = "onconode Beacon"
    base_url: str = ""  # empty: taken from each request's own URL
    environment: str = "dev"
    organization_id: str = "org.onconode"
    organization_name: str = "onconode node operator"
    organization_url: str = "https://example.org"
    contact_url: str = "mailto:dataaccess@example.org"
    description: str = "GA4GH Beacon v2 of a cancer genomics node (somatic variants of metastatic tumours, GRCh37)."

    @classmethod
    def from_settings(cls, section: BeaconSection) -> "BeaconInfo":
        return cls(**section.model_dump(exclude={"budget"}))

    def at(self, base_url: str) -> "BeaconInfo":
        return replace(self, base_url=base_url.rstrip("/"))

    def meta(self) -> dict[str, Any]:
        return {"beaconId": self.id, "apiVersion": API_VERSION, "returnedSchemas": []}


def info(b: BeaconInfo) -> dict[str, Any]:
    return {"meta": b.meta(), "response": {
        "id": b.id, "name": b.name, "apiVersion": API_VERSION, "environment": b.environment,
        "description": b.description, "version": __version__, "welcomeUrl": b.base_url,
        "organization": {"id": b.organization_id, "name": b.organization_name, "welcomeUrl": b.organization_url,
                         "contactUrl": b.contact_url}}}


def service_info(b: BeaconInfo) -> dict[str, Any]:
    return {"id": b.id, "name": b.name, "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
            "description": b.description, "organization": {"name": b.organization_name, "url": b.organization_url},
            "contactUrl": b.contact_url, "environment": b.environment, "version": __version__}


def _entry_type_definition(e: EntryType) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id, "name": e.name, "ontologyTermForThisType": {"id": e.term[0], "label": e.term[1]},
        "partOfSpecification": "Beacon v2.1.1",
        "defaultSchema": {"id": f"ga4gh-beacon-{e.id}-v2.1.1", "name": f"Default schema for {e.name.lower()}",
                          "referenceToSchemaDefinition": f"{SCHEMA_BASE}/{e.folder}/defaultSchema.json", "schemaVersion": "v2.1.1"},
        "additionallySupportedSchemas": [], "nonFilteredQueriesAllowed": True}
    if e.collection:
        out["aCollectionOf"] = [{"id": "individual", "name": "Individuals"}]
    return out


def entry_types() -> dict[str, Any]:
    return {e.id: _entry_type_definition(e) for e in ENTRY_TYPES}


def configuration(b: BeaconInfo) -> dict[str, Any]:
    return {"meta": b.meta(), "response": {
        "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconConfigurationSchema.json",
        "maturityAttributes": {"productionStatus": {"prod": "PROD", "test": "TEST"}.get(b.environment, "DEV")},
        "securityAttributes": {"defaultGranularity": "boolean", "securityLevels": ["PUBLIC", "REGISTERED", "CONTROLLED"]},
        "entryTypes": entry_types()}}


def beacon_map(b: BeaconInfo) -> dict[str, Any]:
    sets = {}
    for e in ENTRY_TYPES:
        root = f"{b.base_url}/{e.path}"
        s: dict[str, Any] = {"entryType": e.id, "rootUrl": root, "singleEntryUrl": root + "/{id}",
                             "openAPIEndpointsDefinition": f"{SCHEMA_BASE}/{e.folder}/endpoints.json",
                             "endpoints": {f"{BY_ID[t].path}Lookup": {"returnedEntryType": t, "url": f"{root}/{{id}}/{suffix}"}
                                           for suffix, t in e.related}}
        if e.id in ("dataset", "cohort"):
            s["filteringTermsUrl"] = f"{b.base_url}/filtering_terms"
        sets[f"{e.id}Endpoints"] = s
    return {"meta": b.meta(), "response": {
        "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconMapSchema.json",
        "endpointSets": sets}}


def entry_types_response(b: BeaconInfo) -> dict[str, Any]:
    return {"meta": b.meta(), "response": {"entryTypes": entry_types()}}


def filtering_terms(b: BeaconInfo, doids_in_store: list[str], icdo_in_store: dict[str, str] | None = None) -> dict[str, Any]:
    """The terms this node can filter on: sex (NCIT), the tumour types its samples hold
    (DOID with descendants, OncoTree through its DOID, ICD-O-3: tumour_types.py), and a few
    alphanumeric sample fields."""
    terms: list[dict[str, Any]] = [{"type": "ontologyTerm", "id": k, "label": v, "scopes": ["individual"]}
                                   for k, v in SEX_TERMS.items()]
    terms += tumour_types.terms(doids_in_store, icdo_in_store or {})
    terms += [{"type": "alphanumeric", "id": k, "scopes": ["biosample"]} for k in ALPHANUMERIC]
    return {"meta": b.meta(), "response": {
        "resources": tumour_types.RESOURCES + [
            {"id": "NCIT", "name": "NCI Thesaurus", "url": "http://purl.obolibrary.org/obo/ncit.owl",
             "nameSpacePrefix": "NCIT", "iriPrefix": "http://purl.obolibrary.org/obo/NCIT_"}],
        "filteringTerms": terms}}
