"""Validate the catalogue graph against the vendored SHACL shapes (data/shacl/, SOURCE.md
there says which release, commit and licence) with pySHACL, and say what is wrong in
plain words: which resource, which property, what the shape asks.

Two profiles:
- `healthdcat-ap`: HealthDCAT-AP Release 8, the RESTRICTED access level (the shapes the
  HealthData@EU validator runs for that level, without the codelist and range files,
  which are not vendored);
- `gdi`: the GDI metadata v1.1 Dataset shape (the FAIR Data Point profile of gdi-mini-node).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF, SH

from onconode.exchange.catalogue_rdf import HEALTH

SHAPES: dict[str, tuple[str, ...]] = {
    "healthdcat-ap": ("healthdcat-ap/graph-guard.ttl", "healthdcat-ap/restricted-shapes.ttl"),
    "gdi": ("gdi/Dataset.ttl", "gdi/AgentCreator.ttl", "gdi/AgentHdab.ttl", "gdi/ContactPoint.ttl"),
}
PROFILES = tuple(SHAPES)


@dataclass(frozen=True)
class Problem:
    """One violation: the resource, the property (if the shape names one) and the shape's message."""
    profile: str
    focus: str
    path: str
    message: str

    def plain(self) -> str:
        where = f"{self.focus}" + (f", property {self.path}" if self.path else "")
        return f"[{self.profile}] {where}: {self.message}"


@cache
def shapes(profile: str) -> Graph:
    """The profile's shapes graph. A property shape without sh:path (the restricted set's
    'hasStructuredData true needs hasVariables' rule, written as an sh:or) stops pySHACL:
    it is dropped here and checked by `_structured_data_rule` instead."""
    if profile not in SHAPES:
        raise ValueError(f"unknown catalogue profile {profile!r}; choose one of {', '.join(PROFILES)}")
    g = Graph()
    folder = resources.files("onconode") / "data" / "shacl"
    for name in SHAPES[profile]:
        g.parse(data=(folder / name).read_text(encoding="utf-8"), format="turtle", publicID=f"urn:onconode:shacl:{name}")
    for triple in [t for t in g.triples((None, SH.property, None)) if (t[2], SH.path, None) not in g]:
        g.remove(triple)
    return g


def _structured_data_rule(data: Graph) -> list[Problem]:
    return [Problem("healthdcat-ap", str(ds), str(HEALTH.hasVariables),
                    "If healthdcatap:hasStructuredData is true, the dataset must include at least one healthdcatap:hasVariables.")
            for ds in data.subjects(RDF.type, DCAT.Dataset)
            if (ds, HEALTH.hasStructuredData, Literal(True)) in data and (ds, HEALTH.hasVariables, None) not in data]


def validate(data: Graph, profile: str) -> list[Problem]:
    """The violations of `data` against the profile's shapes (empty: it conforms). Warnings
    and nested results pySHACL reports under sh:detail are folded into their parent."""
    _, report, _ = shacl_validate(data, shacl_graph=shapes(profile), inference="none", advanced=True, allow_warnings=True)
    nested = set(report.objects(None, SH.detail))
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if r in nested or report.value(r, SH.resultSeverity) != SH.Violation:
            continue
        path = report.value(r, SH.resultPath)
        out.append(Problem(profile, str(report.value(r, SH.focusNode)), str(path) if isinstance(path, URIRef) else "",
                           str(report.value(r, SH.resultMessage) or "does not conform")))
    if profile == "healthdcat-ap":
        out += _structured_data_rule(data)
    return sorted(set(out), key=lambda p: (p.focus, p.path, p.message))   # one per rule broken, not per constraint of it
