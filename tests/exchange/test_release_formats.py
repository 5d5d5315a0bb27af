"""A licensed release delivered as a standard model: only the released patients, under the
release's pseudonyms, and only the approved columns' values."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format
from phenopackets.schema.v2 import Phenopacket

from onconode.release import ReleaseError
from onconode.release.builder import build
from onconode.release.manifest import verify
from tests.release.conftest import DURING_TERM, Env, active_dar, env, store_home  # noqa: F401  (fixtures)

ITEMS = [
    {"table": "patient", "columns": ["patient_id", "sex"], "justification": "Sex is a covariate of the survival model."},
    {"table": "sample", "columns": ["sample_id", "patient_id", "primary_tumor_doids"], "justification": "Tumour type is the stratifier of the analysis."},
    {"table": "somatic_variant", "columns": ["sample_id", "chromosome", "position", "ref", "alt", "gene", "reported"],
     "justification": "Driver genes are the biomarkers studied."},
]


def test_a_release_in_phenopackets_holds_only_released_patients_pseudonymised_and_approved_values(env: Env) -> None:  # noqa: F811
    app = active_dar(env, items=ITEMS)
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM, formats=("phenopackets",))
    released = set(pq.read_table(built.path / "tables" / "patient.parquet").column("patient_id").to_pylist())
    real = {r[0] for r in env.store.con.execute("SELECT patient_id FROM patient").fetchall()}
    folder = built.path / "phenopackets"
    packets = {f.stem: json_format.Parse(f.read_text(), Phenopacket()) for f in folder.glob("*.json") if f.name != "report.json"}
    assert set(packets) == released and not released & real, "the release's pseudonyms, never the node's ids"
    samples = set(pq.read_table(built.path / "tables" / "sample.parquet").column("sample_id").to_pylist())
    for p in packets.values():
        assert p.subject.sex and not p.subject.HasField("date_of_birth") and not p.subject.HasField("vital_status")
        assert not p.medical_actions, "treatments were not approved"
        for b in p.biosamples:
            assert b.id in samples and not b.HasField("time_of_collection") and not b.measurements
            assert b.histological_diagnosis.id.startswith("DOID:")
        for i in p.interpretations:
            for g in i.diagnosis.genomic_interpretations:
                d = g.variant_interpretation.variation_descriptor
                assert g.subject_or_biosample_id in samples and d.gene_context.symbol and not d.expressions
    assert any(p.interpretations for p in packets.values())
    text = "".join(f.read_text() for f in folder.glob("*.json"))
    assert not any(pid in text for pid in real)
    paths = {f["path"] for f in built.manifest["files"]}
    assert "phenopackets/report.json" in paths and sum(p.startswith("phenopackets/") for p in paths) == len(packets) + 1
    assert set(built.manifest["formats"]) == {"phenopackets"}
    assert verify(built.path).ok
    assert json.loads((folder / "report.json").read_text())["patients"] == len(released)


def test_a_rebuild_keeps_the_formats_of_the_release_it_replaces_and_an_unknown_one_is_refused(env: Env) -> None:  # noqa: F811
    app = active_dar(env, items=ITEMS)
    with pytest.raises(ReleaseError, match="unknown export format 'xml'"):
        build(env.home, env.store, env.gov, app, at=DURING_TERM, formats=("xml",))
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    assert "formats" not in built.manifest and not (built.path / "phenopackets").exists()
    build(env.home, env.store, env.gov, app, at=DURING_TERM, formats=("mds",))
    rebuilt = build(env.home, env.store, env.gov, app, at=DURING_TERM)  # e.g. a job after a withdrawal
    assert set(rebuilt.manifest["formats"]) == {"mds"} and (rebuilt.path / "mds" / "subject_diagnosis.csv").is_file()


def test_a_release_with_formats_is_rebuilt_byte_identical(env: Env) -> None:  # noqa: F811
    app = active_dar(env, items=ITEMS)
    first = build(env.home, env.store, env.gov, app, at=DURING_TERM, formats=("phenopackets", "mds"))
    sums = {f["path"]: f["sha256"] for f in first.manifest["files"]}
    second = build(env.home, env.store, env.gov, app, at=DURING_TERM, formats=("phenopackets", "mds"))
    assert {f["path"]: f["sha256"] for f in second.manifest["files"]} == sums
