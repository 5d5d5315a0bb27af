"""The node's catalogue as one RDF graph: DCAT-AP 3 / HealthDCAT-AP Release 8 (the European
Health Data Space catalogue profile) with the GDI metadata v1.1 additions, so a
HealthData@EU or GDI harvester reads it from `/catalog.jsonld` or the FAIR Data Point
(`/fdp`). Both serve this graph; only the cut differs (`description`).

What goes in, and from where:
- from the data: the datasets (title, description, consent as DUO codes), their counts
  (`numberOfUniqueIndividuals`, `numberOfRecords`: the disclosure-controlled catalogue
  counts of `analysis.catalogue.overview`, never a second path; a suppressed figure is left
  out), the temporal coverage (the months the samples were taken in), the variables (every
  column of the harmonized model, from the data dictionary) and the freeze (`dcat:version`);
- from the settings (`[catalogue]`, `[node]`): the publisher and custodian, the health
  data access body, the geographical coverage, the health categories, the provenance
  statement and the GDI identifiers;
- fixed: access rights RESTRICTED (access needs an approved Data Access Request and a signed
  licence), the applicable legislation (the EHDS regulation's ELI, and the GDPR), theme HEAL.

Every node a harvester dereferences is an IRI under the node's public address: the FAIR
Data Point resources (`/fdp`, `/fdp/catalog`, `/fdp/dataset/{id}`,
`/fdp/distribution/{id}`), the agents, the variables (`/api/catalogue/{id}#table.column`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from onconode.analysis import catalogue
from onconode.analysis.disclosure import Gate
from onconode.analysis.queries import Snapshot
from onconode.model.dictionary import data_dictionary_json
from onconode.settings import CatalogueSection

DCATAP = Namespace("http://data.europa.eu/r5r/")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
GEODCATAP = Namespace("http://data.europa.eu/930/")
CV = Namespace("http://data.europa.eu/m8g/")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GDI = Namespace("http://data.gdi.eu/core/p2/")
FDP = Namespace("https://w3id.org/fdp/fdp-o#")
LDP = Namespace("http://www.w3.org/ns/ldp#")
R3D = Namespace("http://www.re3data.org/schema/3-0#")
DCAT_VERSION = URIRef(str(DCAT) + "version")   # DCAT 3; rdflib's DCAT namespace is DCAT 2
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "skos": SKOS, "dcatap": DCATAP, "healthdcatap": HEALTH,
            "geodcatap": GEODCATAP, "cv": CV, "csvw": CSVW, "vcard": VCARD, "gdi": GDI, "fdp": FDP, "ldp": LDP, "r3d": R3D}

AUTHORITY = "http://publications.europa.eu/resource/authority/"
HEAL = URIRef(AUTHORITY + "data-theme/HEAL")
RESTRICTED = URIRef(AUTHORITY + "access-right/RESTRICTED")
EHDS = URIRef("http://data.europa.eu/eli/reg/2025/327/oj")   # Regulation (EU) 2025/327, the European Health Data Space
GDPR = URIRef("http://data.europa.eu/eli/reg/2016/679/oj")
LEGISLATION = (EHDS, GDPR)
HEALTH_CATEGORIES = URIRef("https://hdeu-dcat.data.health.europa.eu/resource/authority/healthcategories")
GDI_GENOMIC = GDI.HealthCategoryHumanGenomic   # the GDI shape's value for whole-genome data (path healthCatagory, sic)
# The code systems the harmonized model's coded columns use (doid, atc codes, hgvs_*,
# consent_duo, the RECIST response), published as healthdcatap:hasCodingSystem.
CODING_SYSTEMS = {
    "http://purl.obolibrary.org/obo/doid.owl": "Human Disease Ontology (DOID)",
    "https://atcddd.fhi.no/atc_ddd_index/": "Anatomical Therapeutic Chemical classification (ATC)",
    "https://hgvs-nomenclature.org/": "HGVS sequence variant nomenclature",
    "http://purl.obolibrary.org/obo/duo.owl": "GA4GH Data Use Ontology (DUO)",
    "https://recist.eortc.org/recist-1-1-2/": "RECIST 1.1 tumour response criteria",
}
KEYWORDS = ("cancer", "whole-genome sequencing", "metastatic tumour", "treatment response")


@dataclass(frozen=True)
class Where:
    """The node's public address and the FAIR Data Point resources' IRIs under it."""
    base: str   # no trailing slash

    @property
    def fdp(self) -> URIRef:
        return URIRef(f"{self.base}/fdp")

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/fdp/catalog")

    def dataset(self, dataset_id: str) -> URIRef:
        return URIRef(f"{self.base}/fdp/dataset/{dataset_id}")

    def distribution(self, dataset_id: str) -> URIRef:
        return URIRef(f"{self.base}/fdp/distribution/{dataset_id}")

    @property
    def node(self) -> URIRef:
        return URIRef(f"{self.base}/")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def identifier(dataset_id: str, settings: CatalogueSection) -> str:
    """The dataset's published dct:identifier: its GDI identifier where the settings give one."""
    return settings.gdi_identifiers.get(dataset_id, dataset_id)


def _agent(g: Graph, agent: URIRef, name: str, email: str | None, page: str | None) -> URIRef:
    """A foaf:Agent with one cv:ContactPoint (HealthDCAT-AP's HealthAgent_Shape; GDI's Agent shapes)."""
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(name, lang="en")))
    point = URIRef(f"{agent}#contact-point") if "#" not in agent else URIRef(f"{agent}-contact-point")
    g.add((agent, CV.contactPoint, point))
    g.add((point, RDF.type, CV.ContactPoint))
    if email:
        g.add((point, CV.email, Literal(email)))
    if page:
        g.add((point, CV.contactPage, URIRef(page)))
    return agent


def _concept(g: Graph, concept: URIRef, scheme: URIRef, scheme_title: str) -> URIRef:
    """A code from an EU vocabulary, with the skos:inScheme that the codelist shapes check."""
    g.add((concept, SKOS.inScheme, scheme))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal(scheme_title, lang="en")))
    return concept


def _variables(g: Graph, where: Where, dataset_id: str) -> URIRef:
    """The data dictionary as a csvw:TableGroup: one table per model table, one column per column."""
    page = f"{where.base}/api/catalogue/{dataset_id}"
    group = URIRef(f"{page}#variables")
    g.add((group, RDF.type, CSVW.TableGroup))
    g.add((group, DCTERMS.title, Literal("Harmonized data model (data dictionary)", lang="en")))
    for table in data_dictionary_json()["tables"]:
        t = URIRef(f"{page}#{table['name']}")
        g.add((group, CSVW.table, t))
        g.add((t, RDF.type, CSVW.Table))
        g.add((t, DCTERMS.title, Literal(table["name"])))
        g.add((t, DCTERMS.description, Literal(table["description"], lang="en")))
        for col in table["columns"]:
            c = URIRef(f"{page}#{table['name']}.{col['name']}")
            g.add((t, CSVW.column, c))
            g.add((c, RDF.type, CSVW.Column))
            g.add((c, CSVW.name, Literal(col["name"])))
            g.add((c, CSVW.title, Literal(f"{table['name']}.{col['name']}")))
            g.add((c, DCTERMS.description, Literal(col["description"] + (f" ({col['unit']})" if col["unit"] else ""), lang="en")))
            g.add((c, CSVW.datatype, Literal(col["type"])))
    return group


def _distribution(g: Graph, where: Where, d: dict[str, Any], freeze: str | None) -> URIRef:
    dist = where.distribution(d["dataset_id"])
    apply = URIRef(where.base + d["access"])
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, Literal(f"{d['dataset_id']} licensed data release" + (f" {freeze}" if freeze else ""), lang="en")))
    g.add((dist, DCTERMS.description, Literal("Parquet / TSV extract of the harmonized model, for the approved items and patients "
                                              "of a Data Access Request, after a signed licence", lang="en")))
    g.add((dist, DCAT.accessURL, apply))
    g.add((dist, DCTERMS.accessRights, RESTRICTED))
    g.add((dist, DCTERMS.conformsTo, URIRef(f"{where.base}/api/catalogue/{d['dataset_id']}")))
    for law in LEGISLATION:
        g.add((dist, DCATAP.applicableLegislation, law))
    return dist


def _dataset(g: Graph, where: Where, d: dict[str, Any], period: tuple[dt.date, dt.date] | None, freeze: str | None,
             settings: CatalogueSection, publisher: URIRef, hdab: URIRef) -> URIRef:
    ds = where.dataset(d["dataset_id"])
    page = f"{where.base}/catalogue/{d['dataset_id']}"
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(identifier(d["dataset_id"], settings))))
    g.add((ds, DCTERMS.title, Literal(d["title"], lang="en")))
    g.add((ds, DCTERMS.description, Literal(d["description"] or d["title"], lang="en")))
    g.add((ds, DCAT.theme, _concept(g, HEAL, URIRef(AUTHORITY + "data-theme"), "Data theme")))
    for word in KEYWORDS:
        g.add((ds, DCAT.keyword, Literal(word, lang="en")))
    g.add((ds, DCTERMS.accessRights, _concept(g, RESTRICTED, URIRef(AUTHORITY + "access-right"), "Access right")))
    for law in LEGISLATION:
        g.add((ds, DCATAP.applicableLegislation, law))
    for role in (DCTERMS.publisher, GEODCATAP.custodian, DCTERMS.creator):
        g.add((ds, role, publisher))
    g.add((ds, HEALTH.hdab, hdab))
    g.add((ds, DCAT.landingPage, URIRef(page)))
    kind = URIRef(f"{page}#contact")
    g.add((ds, DCAT.contactPoint, kind))
    g.add((kind, RDF.type, VCARD.Kind))
    g.add((kind, VCARD.fn, Literal("Data access office")))
    g.add((kind, VCARD.hasURL, URIRef(where.base + d["access"])))
    g.add((kind, VCARD.hasEmail, URIRef(f"mailto:{settings.contact_email}")))
    rights = URIRef(f"{page}#rights")
    g.add((ds, DCTERMS.rights, rights))
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    g.add((rights, RDFS.label, Literal(f"Access after an approved Data Access Request and a signed licence "
                                       f"({d['licence_type'] or 'licence'}); apply at {where.base}{d['access']}", lang="en")))
    g.add((ds, DCAT.distribution, _distribution(g, where, d, freeze)))
    for code in settings.health_categories:
        g.add((ds, HEALTH.healthCategory, _concept(g, URIRef(f"{HEALTH_CATEGORIES}/{code}"), HEALTH_CATEGORIES, "Health Categories")))
    g.add((ds, HEALTH.healthCatagory, GDI_GENOMIC))   # the GDI shape's spelling (sic): GDI harvesters read this one
    for system, label in CODING_SYSTEMS.items():
        g.add((ds, HEALTH.hasCodingSystem, URIRef(system)))
        g.add((URIRef(system), RDF.type, DCTERMS.Standard))
        g.add((URIRef(system), RDFS.label, Literal(label, lang="en")))
    for c in d["consent"]:
        g.add((ds, HEALTH.hasCodeValues, Literal(c["code"])))
    g.add((ds, DCTERMS.spatial, _concept(g, URIRef(f"{AUTHORITY}country/{settings.country}"), URIRef(AUTHORITY + "country"), "Country")))
    if period is not None:
        when = URIRef(f"{page}#temporal-coverage")
        g.add((ds, DCTERMS.temporal, when))
        g.add((when, RDF.type, DCTERMS.PeriodOfTime))
        g.add((when, DCAT.startDate, Literal(period[0], datatype=XSD.date)))
        g.add((when, DCAT.endDate, Literal(period[1], datatype=XSD.date)))
    prov = URIRef(f"{page}#provenance")
    g.add((ds, DCTERMS.provenance, prov))
    g.add((prov, RDF.type, DCTERMS.ProvenanceStatement))
    g.add((prov, RDFS.label, Literal(settings.provenance, lang="en")))
    if freeze:
        g.add((ds, DCAT_VERSION, Literal(freeze)))
    counts = d.get("counts", {})
    for prop, value in ((HEALTH.numberOfUniqueIndividuals, counts.get("patients")), (HEALTH.numberOfRecords, counts.get("samples"))):
        if _count(value) is not None:
            g.add((ds, prop, Literal(value, datatype=XSD.nonNegativeInteger)))
    g.add((ds, HEALTH.hasStructuredData, Literal(True)))
    g.add((ds, HEALTH.hasVariables, _variables(g, where, d["dataset_id"])))
    return ds


def catalogue_graph(gate: Gate, user: str, snap: Snapshot, base: str, node_name: str, settings: CatalogueSection) -> Graph:
    """The whole catalogue of a freeze as seen by `user` (harvesters: one public user)."""
    where = Where(base.rstrip("/"))
    found = catalogue.overview(gate, user, snap)
    freeze = getattr(snap, "freeze", None)
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    publisher = _agent(g, where.node, settings.custodian or node_name, settings.contact_email, where.base + catalogue.ACCESS_PAGE)
    hdab = _agent(g, URIRef(settings.hdab_url), settings.hdab_name, None, settings.hdab_url)
    cat = where.catalog
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(f"{node_name} cancer genomics data catalogue", lang="en")))
    g.add((cat, DCTERMS.description, Literal("Metastatic tumour whole-genome sequencing with clinical and treatment-response data; "
                                             "counts are disclosure-controlled" + (f"; data freeze {freeze}" if freeze else ""), lang="en")))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, DCAT.themeTaxonomy, URIRef(AUTHORITY + "data-theme")))
    g.add((cat, DCTERMS.isPartOf, where.fdp))
    for law in LEGISLATION:
        g.add((cat, DCATAP.applicableLegislation, law))
    for d in found:
        withheld = "withheld" in d.get("counts", {})
        period = None if withheld else catalogue.sampling_period(snap, d["dataset_id"])
        ds = _dataset(g, where, d, period, freeze, settings, publisher, hdab)
        g.add((cat, DCAT.dataset, ds))
        g.add((cat, LDP.contains, ds))
        g.add((ds, DCTERMS.isPartOf, cat))
    return g


def repository(g: Graph, base: str, node_name: str) -> Graph:
    """The FAIR Data Point's root (FDP spec v1.2 repository metadata), added to `g`: what
    the FDP is, who runs it, and the catalogue it holds (`fdp:metadataCatalog`, `ldp:contains`)."""
    where = Where(base.rstrip("/"))
    root = where.fdp
    g.add((root, RDF.type, FDP.FAIRDataPoint))
    g.add((root, RDF.type, R3D.Repository))
    g.add((root, RDF.type, LDP.BasicContainer))
    g.add((root, DCTERMS.title, Literal(f"{node_name} FAIR Data Point", lang="en")))
    g.add((root, DCTERMS.description, Literal("Metadata of the cancer genomics datasets this node holds (GDI metadata profile, "
                                              "HealthDCAT-AP)", lang="en")))
    g.add((root, DCTERMS.publisher, where.node))
    g.add((root, DCTERMS.conformsTo, URIRef("https://specs.fairdatapoint.org/fdp-specs-v1.2.html")))
    g.add((root, FDP.metadataIdentifier, Literal(f"{where.base}/fdp")))
    g.add((root, FDP.metadataCatalog, where.catalog))
    g.add((root, LDP.contains, where.catalog))
    for law in LEGISLATION[:1]:
        g.add((root, DCATAP.applicableLegislation, law))
    return g


def description(g: Graph, subject: URIRef, stop: Iterable[URIRef] = ()) -> Graph:
    """The part of `g` that describes `subject`: its triples and, followed from their objects,
    those of every node that is not another FAIR Data Point resource (`stop`: those are
    linked, and described in their own document). What one FDP resource serves."""
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns)
    stopped = set(stop) - {subject}
    todo, seen = [subject], {subject}
    while todo:
        node = todo.pop()
        for s, p, o in g.triples((node, None, None)):
            out.add((s, p, o))
            if isinstance(o, (URIRef, BNode)) and o not in seen and o not in stopped and (o, None, None) in g:
                seen.add(o)
                todo.append(o)
    return out


def fdp_resources(g: Graph) -> set[URIRef]:
    """The IRIs that are FAIR Data Point resources of their own (root, catalog, datasets, distributions)."""
    kinds = (FDP.FAIRDataPoint, DCAT.Catalog, DCAT.Dataset, DCAT.Distribution)
    return {s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef)}


def jsonld_context() -> dict[str, str]:
    """The prefixes as an inline JSON-LD context (nothing to fetch to read the document)."""
    return {prefix: str(ns) for prefix, ns in PREFIXES.items()} | {"xsd": str(XSD), "rdfs": str(RDFS)}
