"""The catalogue Europe harvests: the node's catalogue graph (from a synthetic store with a
freeze) conforms to the vendored HealthDCAT-AP Release 8 RESTRICTED shapes, its FAIR Data
Point dataset to the GDI v1.1 Dataset shape, and it carries every EHDS minimum-metadata
element; a catalogue missing a required element fails with the shape's own message."""

from __future__ import annotations

import calendar
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from onconode.analysis import catalogue
from onconode.analysis.disclosure import Gate
from onconode.exchange import catalogue_rdf as rdf
from onconode.exchange.catalogue_shacl import shapes, validate
from onconode.model.dictionary import data_dictionary_json
from onconode.settings import HEALTH_CATEGORIES, CatalogueSection, Settings
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store

BASE = "https://node.example.org"
FREEZE = "DR-CAT"
DATASET = "HMF-SYNTH"
HARVESTER = "public:catalogue"
DS = URIRef(f"{BASE}/fdp/dataset/{DATASET}")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return frozen_synthetic_store(tmp_path_factory.mktemp("catalogue-node"), patients=40, seed=11, median_variants=20, freeze=FREEZE)


def build(home: Path, settings: CatalogueSection | None = None) -> Graph:
    with Store.open(home, read_only=True) as store:
        snap = store.snapshot(FREEZE)
        return rdf.catalogue_graph(Gate.for_home(home), HARVESTER, snap, BASE, "Test node", settings or CatalogueSection())


@pytest.fixture(scope="module")
def graph(home: Path) -> Graph:
    return build(home)


def messages(problems) -> list[str]:
    return [p.message for p in problems]


def test_the_catalogue_conforms_to_the_healthdcat_ap_restricted_shapes(graph):
    assert validate(graph, "healthdcat-ap") == []


def without(graph: Graph, subject, prop) -> Graph:
    g = Graph()
    for t in graph:
        g.add(t)
    g.remove((subject, prop, None))
    return g


def test_a_dataset_without_access_rights_fails_with_the_shapes_message(graph):
    problems = validate(without(graph, DS, DCTERMS.accessRights), "healthdcat-ap")
    assert [(p.focus, p.path) for p in problems] == [(str(DS), str(DCTERMS.accessRights))]
    assert problems[0].message.startswith("Each Dataset must have exactly one dct:accessRights")
    assert "RESTRICTED" in problems[0].plain() and str(DS) in problems[0].plain()


def test_a_public_or_second_access_right_fails(graph):
    g = without(graph, DS, DCTERMS.accessRights)
    g.add((DS, DCTERMS.accessRights, URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")))
    assert any("must be http://publications.europa.eu/resource/authority/access-right/RESTRICTED" in m
               for m in messages(validate(g, "healthdcat-ap")))


def test_a_dataset_without_identifier_or_hdab_or_health_category_fails(graph):
    for prop, message in ((DCTERMS.identifier, "Each dcat:Dataset must have at least one dct:identifier."),
                          (rdf.HEALTH.hdab, "Each dcat:Dataset must have exactly one healthdcatap:hdab"),
                          (rdf.HEALTH.healthCategory, "Each dcat:Dataset must have at least one healthdcatap:healthCategory.")):
        assert message in messages(validate(without(graph, DS, prop), "healthdcat-ap")), prop


def test_a_distribution_without_applicable_legislation_fails(graph):
    dist = URIRef(f"{BASE}/fdp/distribution/{DATASET}")
    assert "dcatap:applicableLegislation for dcat:Distribution is required." in messages(
        validate(without(graph, dist, rdf.DCATAP.applicableLegislation), "healthdcat-ap"))


def test_structured_data_without_variables_fails_the_rule_pyshacl_cannot_load(graph):
    problems = validate(without(graph, DS, rdf.HEALTH.hasVariables), "healthdcat-ap")
    assert messages(problems) == ["If healthdcatap:hasStructuredData is true, the dataset must include at least one healthdcatap:hasVariables."]


def test_a_publisher_without_contact_point_fails(graph):
    node = URIRef(f"{BASE}/")
    assert any("cv:contactPoint" in p.message or p.path.endswith("contactPoint")
               for p in validate(without(graph, node, rdf.CV.contactPoint), "healthdcat-ap"))


def fdp_dataset(graph: Graph) -> Graph:
    return rdf.description(graph, DS, rdf.fdp_resources(graph))


def test_the_gdi_shape_refuses_a_dataset_identifier_outside_its_pattern(graph):
    problems = validate(fdp_dataset(graph), "gdi")
    assert [(p.path, p.message) for p in problems] == [
        (str(DCTERMS.identifier), "Use GOE-CC-NNN… or GDI-CC-NNN… (CC = two-letter country code, NNN… = digits).")]


def test_with_its_gdi_identifier_the_fdp_dataset_conforms_to_the_gdi_dataset_shape(home):
    g = build(home, CatalogueSection(gdi_identifiers={DATASET: "GDI-NL-1"}))
    doc = fdp_dataset(g)
    assert (DS, DCTERMS.identifier, Literal("GDI-NL-1")) in doc
    assert validate(doc, "gdi") == []
    assert validate(g, "healthdcat-ap") == []
    assert (DS, rdf.HEALTH.healthCatagory, rdf.GDI_GENOMIC) in doc        # the GDI spelling (sic) ...
    assert (DS, rdf.HEALTH.healthCategory, None) in doc                   # ... and HealthDCAT-AP's, both


def test_the_gdi_shape_refuses_a_dataset_without_creator(home):
    doc = fdp_dataset(build(home, CatalogueSection(gdi_identifiers={DATASET: "GDI-NL-1"})))
    doc.remove((DS, DCTERMS.creator, None))
    assert [p.path for p in validate(doc, "gdi")] == [str(DCTERMS.creator)]


# -- EHDS minimum metadata (implementing act under Art. 77(1) of Reg. (EU) 2025/327, Annex part B)

def sampling_months(home: Path) -> tuple[str, str]:
    con = duckdb.connect(str(home / "store.duckdb"), read_only=True)
    try:
        first, last = con.execute("select min(sampling_date), max(sampling_date) from sample").fetchone()
    finally:
        con.close()
    return (first.replace(day=1).isoformat(),
            last.replace(day=calendar.monthrange(last.year, last.month)[1]).isoformat())


def one(graph: Graph, s, p):
    values = list(graph.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0]


def test_ehds_minimum_metadata_are_all_present(graph, home):
    g = graph
    assert one(g, DS, DCTERMS.accessRights) == rdf.RESTRICTED                                          # access rights
    assert URIRef("http://data.europa.eu/eli/reg/2025/327/oj") in set(g.objects(DS, rdf.DCATAP.applicableLegislation))
    systems = set(g.objects(DS, rdf.HEALTH.hasCodingSystem))                                           # coding system
    assert URIRef("http://purl.obolibrary.org/obo/doid.owl") in systems and all((s, RDF.type, DCTERMS.Standard) in g for s in systems)
    custodian = one(g, DS, rdf.GEODCATAP.custodian)                                                    # custodian
    assert str(one(g, custodian, FOAF.name)) == "Test node"
    dist = one(g, DS, DCAT.distribution)                                                               # distribution
    assert one(g, dist, DCAT.accessURL) == URIRef(f"{BASE}/access")
    spatial = one(g, DS, DCTERMS.spatial)                                                              # geographical coverage
    assert spatial == URIRef("http://publications.europa.eu/resource/authority/country/NLD")
    assert (spatial, SKOS.inScheme, URIRef("http://publications.europa.eu/resource/authority/country")) in g
    category = one(g, DS, rdf.HEALTH.healthCategory)                                                   # health category
    assert category == URIRef(f"{rdf.HEALTH_CATEGORIES}/HGPD") and (category, SKOS.inScheme, rdf.HEALTH_CATEGORIES) in g
    hdab = one(g, DS, rdf.HEALTH.hdab)                                                                 # health data access body
    assert str(one(g, hdab, FOAF.name)) == "National health data access body"
    assert str(one(g, DS, DCTERMS.identifier)) == DATASET                                              # identifier
    assert "pseudonymised" in str(one(g, one(g, DS, DCTERMS.provenance), rdf.RDFS.label))             # provenance
    period = one(g, DS, DCTERMS.temporal)                                                              # temporal coverage
    assert (str(one(g, period, DCAT.startDate)), str(one(g, period, DCAT.endDate))) == sampling_months(home)
    group = one(g, DS, rdf.HEALTH.hasVariables)                                                        # variables
    columns = {str(one(g, c, rdf.CSVW.title)) for t in g.objects(group, rdf.CSVW.table) for c in g.objects(t, rdf.CSVW.column)}
    assert columns == {f"{t['name']}.{c['name']}" for t in data_dictionary_json()["tables"] for c in t["columns"]}


def test_the_counts_are_the_disclosure_controlled_catalogue_counts(graph, home):
    with Store.open(home, read_only=True) as store:
        (d,) = catalogue.overview(Gate.for_home(home), HARVESTER, store.snapshot(FREEZE))
    assert one(graph, DS, rdf.HEALTH.numberOfUniqueIndividuals).toPython() == d["counts"]["patients"]
    assert one(graph, DS, rdf.HEALTH.numberOfRecords).toPython() == d["counts"]["samples"]
    assert str(one(graph, DS, rdf.DCAT_VERSION)) == FREEZE


def test_catalogue_settings_come_from_the_settings_file_and_are_validated(tmp_path):
    (tmp_path / "onconode.toml").write_text('[catalogue]\ncountry = "SWE"\nhealth_categories = ["HGPD", "EHRS"]\n'
                                           'gdi_identifiers = { HMF-SYNTH = "GDI-SE-12" }\n')
    s = Settings.load(tmp_path).catalogue
    assert (s.country, s.health_categories, s.gdi_identifiers) == ("SWE", ["HGPD", "EHRS"], {"HMF-SYNTH": "GDI-SE-12"})
    for bad, said in (({"country": "SE"}, "alpha-3"), ({"health_categories": ["GENOMIC"]}, "Health Categories vocabulary"),
                      ({"health_categories": []}, "at least one"), ({"gdi_identifiers": {"X": "GDI-SE"}}, "GDI-CC-NNN"),
                      ({"contact_email": "office"}, "e-mail"), ({"hdab_url": "example.org"}, r"http\(s\) URL")):
        with pytest.raises(ValidationError, match=said):
            CatalogueSection(**bad)


def test_the_health_category_codes_are_those_of_the_vendored_vocabulary():
    from importlib import resources
    vocab = Graph().parse(data=(resources.files("onconode") / "data/shacl/healthdcat-ap/healthcategories-en.ttl").read_text(), format="turtle")
    codes = {str(c).rsplit("/", 1)[1] for c in vocab.subjects(SKOS.inScheme, rdf.HEALTH_CATEGORIES)}
    assert codes == set(HEALTH_CATEGORIES)


def test_the_vendored_shapes_load_and_name_their_source():
    assert len(shapes("healthdcat-ap")) > 300 and len(shapes("gdi")) > 200
    from importlib import resources
    source = (resources.files("onconode") / "data/shacl/SOURCE.md").read_text()
    assert "cd7841f" in source and "CC BY 4.0" in source and "0f061fcf2a5c277d5906d0cbbc9776fba33153cc" in source
