"""Harmonization: a node that codes its data its own way still answers tasks that speak
only the harmonized model.

A node may hold tumour types as ICD-10 or ICD-O-3 topography codes instead of Disease
Ontology ids, drugs by local names instead of canonical name / mechanism / ATC, and
responses on a local scale. The local codes live in a node-local table next to the store
(`local_code`: entity, id, system, code) and the node's choice of systems in
`local_coding`; `harmonized(snap)` gives the snapshot every analysis reads, with the
harmonized columns filled through the mapping tables in `onconode/data/harmonization`.

Each node publishes `coverage(snap)`: its model version, its code systems, which DOIDs it
can answer and which local codes it cannot map. A task that references a term the node
cannot answer (`check_task`) is refused with the term and the reason — never answered
as a silent zero. An ICD-10 node's `C34` is "lung cancer" (DOID:1324): it can count lung
cancers but not non-small-cell ones (DOID:3908), and says so.

`localize(store, ...)` turns a store with harmonized codes into such a node (tests and the
federation demo): the codes move into `local_code` and the harmonized columns are
emptied in a new store version; `harmonized` maps them back.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import pandas as pd
import pyarrow as pa
import duckdb
import ibis

from onconode.analysis import doid
from onconode.model import MODEL_VERSION
from onconode.analysis.materialized import note_table_read
from onconode.ingest.curation import default_drug_table

TUMOUR_SYSTEMS = ("DOID", "ICD-10", "ICD-O-3")
DRUG_SYSTEMS = ("harmonized", "names")
UNSPECIFIED = "162"  # "cancer": what a code without a site says in both worlds


class HarmonizationError(ValueError):
    """A term or code that cannot be carried between a node's codes and the model."""


def _rows(name: str) -> list[dict[str, str]]:
    with (resources.files("onconode") / "data" / "harmonization" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@lru_cache(maxsize=None)
def tumour_map(system: str) -> dict[str, str]:
    """Local tumour code → DOID, for one code system."""
    if system not in TUMOUR_SYSTEMS[1:]:
        raise HarmonizationError(f"unknown tumour code system {system!r}; known: {', '.join(TUMOUR_SYSTEMS)}")
    return {r["code"]: r["doid"] for r in _rows("tumour_codes.tsv") if r["system"] == system}


@lru_cache(maxsize=None)
def response_scale(scale: str) -> dict[str, str]:
    """Local response term → RECIST category, for one scale."""
    out = {r["local"]: r["recist"] for r in _rows("response_scales.tsv") if r["scale"] == scale}
    if not out:
        known = sorted({r["scale"] for r in _rows("response_scales.tsv")})
        raise HarmonizationError(f"unknown response scale {scale!r}; known: RECIST, {', '.join(known)}")
    return out


def to_recist(scale: str, values: Iterable[str]) -> list[str]:
    """Local response terms as RECIST; every term the scale does not define is named."""
    if scale == "RECIST":
        return list(values)
    m = response_scale(scale)
    values = list(values)
    missing = sorted({v for v in values if v not in m})
    if missing:
        raise HarmonizationError(f"response scale {scale!r} has no mapping for {missing}; add rows to "
                                 "onconode/data/harmonization/response_scales.tsv")
    return [m[v] for v in values]


def covered_doids(system: str) -> list[str]:
    """The DOIDs a node coded in `system` can answer: every DOID no local code is coarser
    than. A code mapped to DOID d says nothing about d's subtypes, so those are out."""
    names, parents = doid._tree()
    if system == "DOID":
        return sorted(names)
    mapped = set(tumour_map(system).values()) - {UNSPECIFIED}
    out = []
    for d in names:
        p, coarser = parents.get(d), False
        while p:
            coarser |= p in mapped
            p = parents.get(p)
        if not coarser:
            out.append(d)
    return sorted(out)


def _code_for(doids: str | None, system: str) -> str:
    """The local code a harmonized DOID list would have carried: the first DOID's nearest
    ancestor-or-self that the code system names; else the system's unspecified code."""
    by_doid: dict[str, str] = {}
    for code, d in tumour_map(system).items():
        by_doid.setdefault(d, code)
    parents = doid._tree()[1]
    d: str | None = (doids or "").split(",")[0].strip().removeprefix("DOID:") or UNSPECIFIED
    while d and d not in by_doid:
        d = parents.get(d)
    return by_doid.get(d or UNSPECIFIED, by_doid[UNSPECIFIED])


@dataclass(frozen=True)
class Coding:
    tumour: str = "DOID"
    drugs: str = "harmonized"
    responses: str = "RECIST"

    @property
    def local(self) -> bool:
        return self != Coding()


def _ensure_tables(con: Any) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS local_coding (entity VARCHAR PRIMARY KEY, system VARCHAR NOT NULL)")
    con.execute("CREATE TABLE IF NOT EXISTS local_code (entity VARCHAR, id VARCHAR, system VARCHAR, code VARCHAR)")


def coding_of(store: Any) -> Coding:
    """The node's code systems (the harmonized ones unless `localize` or the operator set others)."""
    try:  # a direct read: the catalogue query it replaces took ~20 ms of every task's first round
        rows = dict(store.con.execute("SELECT entity, system FROM local_coding").fetchall())
    except duckdb.CatalogException:
        return Coding()
    return Coding(rows.get("tumour", "DOID"), rows.get("drugs", "harmonized"), rows.get("responses", "RECIST"))


def localize(store: Any, tumour_system: str = "ICD-10", drug_names: bool = True) -> Coding:
    """Make this store a node with local codes: tumour DOIDs become `tumour_system` codes
    in `local_code`, drugs keep only a recorded name (a synonym where the curation table
    has one), and a new store version holds the emptied harmonized columns."""
    if tumour_system not in TUMOUR_SYSTEMS[1:]:
        raise HarmonizationError(f"localize to one of {', '.join(TUMOUR_SYSTEMS[1:])}, not {tumour_system!r}")
    snap = store.snapshot()
    samples = snap.table("sample").to_pyarrow()
    codes = [_code_for(d, tumour_system) for d in samples["primary_tumor_doids"].to_pylist()]
    drugs = snap.table("treatment_drug").to_pyarrow()
    synonyms = _synonyms()
    _ensure_tables(store.con)
    with store.transaction("harmonization", f"local codes: tumours as {tumour_system}" + (", drugs by name" if drug_names else "")) as tx:
        tx.replace("sample", samples.set_column(samples.schema.get_field_index("primary_tumor_doids"), "primary_tumor_doids",
                                                pa.nulls(len(samples), pa.string())))
        if drug_names:
            local = [synonyms.get(d, d) for d in drugs["drug"].to_pylist()]
            t = drugs.set_column(drugs.schema.get_field_index("drug"), "drug", pa.array(local, pa.string()))
            for col in ("type", "mechanism", "atc_code"):
                t = t.set_column(t.schema.get_field_index(col), col, pa.nulls(len(t), pa.string()))
            tx.replace("treatment_drug", t.set_column(t.schema.get_field_index("curated"), "curated", pa.array([False] * len(t))))
    store.con.execute("DELETE FROM local_code WHERE entity = 'sample'")
    store.con.executemany("INSERT INTO local_code VALUES ('sample', ?, ?, ?)",
                          [(s, tumour_system, c) for s, c in zip(samples["sample_id"].to_pylist(), codes)])
    store.con.execute("INSERT OR REPLACE INTO local_coding VALUES ('tumour', ?)", [tumour_system])
    store.con.execute("INSERT OR REPLACE INTO local_coding VALUES ('drugs', ?)", ["names" if drug_names else "harmonized"])
    return coding_of(store)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    """Canonical drug → a local-sounding synonym from the curation table (first listed)."""
    out = {}
    with (resources.files("onconode") / "data" / "curation" / "treatment_mapping.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            syn = [s for s in (row.get("synonyms") or "").split("|") if s.strip()]
            if syn:
                out[row["drug"]] = syn[0]
    return out


class HarmonizedSnapshot:
    """A node's snapshot as the harmonized model: local codes mapped on the way out."""

    def __init__(self, snap: Any, coding: Coding) -> None:
        self.snap, self.coding = snap, coding
        self.store, self.version = snap.store, snap.version

    @property
    def changed_tables(self) -> frozenset[str]:
        """The tables `table` maps (they differ from the store's own at this version), so
        the analysis caches keyed by store and version (analysis/materialized.py) must not
        serve or keep a selection that reads them; every other selection they share."""
        return frozenset({"sample"} if self.coding.tumour != "DOID" else set()) | frozenset(
            {"treatment_drug"} if self.coding.drugs == "names" else set())

    def table(self, name: str) -> Any:
        note_table_read(name)
        t = self.snap.table(name)
        if name == "sample" and self.coding.tumour != "DOID":
            codes = self.store.ibis.table("local_code")
            codes = codes.filter(codes.entity == "sample").select(sample_id=codes.id, local_code=codes.code)
            m = ibis.memtable(pd.DataFrame(list(tumour_map(self.coding.tumour).items()), columns=["local_code", "mapped_doid"]))
            j = t.left_join(codes, "sample_id").left_join(m, "local_code")
            return j.mutate(primary_tumor_doids=j.mapped_doid).select(*t.columns)
        if name == "treatment_drug" and self.coding.drugs == "names":
            m = ibis.memtable(_drug_frame(self.local_drug_names()))
            j = t.left_join(m, t.drug == m.local_name)
            return j.mutate(drug=j.canonical.fill_null(j.drug), type=j.m_type, mechanism=j.m_mechanism,
                            atc_code=j.m_atc).select(*t.columns)
        return t

    def local_drug_names(self) -> list[str]:
        d = self.snap.table("treatment_drug")
        return sorted(x for x in d.select("drug").distinct().to_pyarrow()["drug"].to_pylist() if x)


def _drug_frame(names: list[str]) -> pd.DataFrame:
    rows = []
    for n in names:
        c = default_drug_table().lookup(n)
        if c is not None:
            rows.append({"local_name": n, "canonical": c.drug, "m_type": c.type, "m_mechanism": c.mechanism, "m_atc": c.atc_code})
    return pd.DataFrame(rows, columns=["local_name", "canonical", "m_type", "m_mechanism", "m_atc"]).astype("string")


def harmonized(snap: Any) -> Any:
    """The snapshot analyses should read on this node: itself, or its harmonized view."""
    coding = coding_of(snap.store)
    return HarmonizedSnapshot(snap, coding) if coding.local else snap


def coverage(snap: Any) -> dict[str, Any]:
    """What this node publishes about its model: version, code systems, answerable DOIDs,
    and local codes it cannot map (each makes some question unanswerable here)."""
    coding = coding_of(snap.store)
    unmapped: dict[str, list[str]] = {"tumour_codes": [], "drug_names": []}
    if coding.tumour != "DOID":
        codes = snap.store.con.execute("SELECT DISTINCT code FROM local_code WHERE entity = 'sample'").fetchall()
        unmapped["tumour_codes"] = sorted(c for (c,) in codes if c not in tumour_map(coding.tumour))
    if coding.drugs == "names":
        view = HarmonizedSnapshot(snap, coding)
        unmapped["drug_names"] = [n for n in view.local_drug_names() if default_drug_table().lookup(n) is None]
    return {"model_version": MODEL_VERSION, "tumour_codes": coding.tumour, "drug_codes": coding.drugs,
            "response_scale": coding.responses, "doids": covered_doids(coding.tumour), "unmapped": unmapped}


def _trees(params: dict) -> list[tuple[str, Any]]:
    out = [("cohort", params.get("cohort"))] + [(f"indicators.{k}", v) for k, v in (params.get("indicators") or {}).items()]
    return [(w, t) for w, t in out if t]


def _walk(tree: Any) -> Iterable[dict]:
    if isinstance(tree, dict):
        yield tree
        for a in tree.get("args") or []:
            yield from _walk(a)
        if "arg" in tree:
            yield from _walk(tree["arg"])


def check_task(params: dict, published: dict[str, Any], node: str = "this node") -> None:
    """Refuse, with the term and the reason, a task this node cannot answer faithfully."""
    want = params.get("model_version")
    if want is not None and str(want).split(".")[0] != str(published["model_version"]).split(".")[0]:
        raise HarmonizationError(f"{node} holds model version {published['model_version']}, the task is written for {want}")
    covered = set(published["doids"])
    uses_drugs = params.get("treatment") is not None
    for where, tree in _trees(params):
        for leaf in _walk(tree):
            if leaf.get("op") == "tumour_type":
                if published["unmapped"]["tumour_codes"]:
                    raise HarmonizationError(
                        f"{node} has tumour codes it cannot map ({', '.join(published['unmapped']['tumour_codes'][:5])}); "
                        f"the tumour type in {where} would miss those patients; the node operator must add them to "
                        "onconode/data/harmonization/tumour_codes.tsv")
                for d in leaf.get("doids") or []:
                    key = str(d).removeprefix("DOID:")
                    if key not in covered:
                        label = doid.name(key) or "an unknown term"
                        raise HarmonizationError(
                            f"{node} cannot answer DOID:{key} ({label}) in {where}: its tumour codes are "
                            f"{published['tumour_codes']}, which do not distinguish it; ask for a broader type "
                            "or leave this node out")
            uses_drugs |= leaf.get("op") in ("treatment", "best_response")
    if uses_drugs and published["unmapped"]["drug_names"]:
        raise HarmonizationError(f"{node} has drug names it cannot map ({', '.join(published['unmapped']['drug_names'][:5])}); "
                                 "a treatment criterion would miss those patients; the node operator must add them to the curation table")
