"""Germline data is released only when the board approves the germline item by name and
only for patients whose consent includes germline use (DUO:0000038 genetic research)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from onconode.access.items import DataItem, approve_subset, minimisation_review
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.model.codes import GERMLINE_CONSENT
from onconode.release.builder import build
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.store import Store

from tests.conftest import frozen_synthetic_store
from tests.release.conftest import DURING_TERM, Env, active_dar

FREEZE = "DR-2026-01"
JUSTIFY = "The project studies inherited BRCA variants."


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """(Replaces the release tests' store for this module.) A small synthetic cohort; every sample gets a pathogenic BRCA2 germline variant and
    every other patient (in id order) a germline consent row, then the freeze."""
    home = tmp_path_factory.mktemp("germline-store")
    with Store.init(home) as store:
        from onconode.synth import load_cohort

        load_cohort(store, patients=12, seed=5, median_variants=10, workers=1)
        samples = store.con.execute("SELECT sample_id, patient_id FROM sample ORDER BY sample_id").fetchall()
        patients = sorted({p for _, p in samples})
        consenting = patients[::2]
        consent = store.con.sql("SELECT * FROM consent").to_arrow_table().to_pylist()
        # the test decides who consents to germline use: synth's own genetic-research consents are dropped
        consent = [{k: v for k, v in r.items() if not k.startswith("_")} for r in consent if r["duo_code"] != GERMLINE_CONSENT]
        consent += [{"patient_id": p, "duo_code": GERMLINE_CONSENT} for p in consenting]
        germline = [{"sample_id": s, "chromosome": "13", "position": 32914438, "ref": "T", "alt": "TG", "gene": "BRCA2",
                     "filter": "PASS", "pathogenicity": "PATHOGENIC", "pathogenic": True} for s, _ in samples]
        with store.transaction("test", "germline rows and consent") as tx:
            tx.replace("consent", to_arrow(TABLES_BY_NAME["consent"], consent), owners=patients)
            tx.replace("germline_variant", to_arrow(TABLES_BY_NAME["germline_variant"], germline), owners=[s for s, _ in samples])
        store.create_freeze(FREEZE, "germline tests")
    (home / "consenting.txt").write_text("\n".join(consenting))
    return home


def decided_dar(env: Env, approved: list[dict] | None) -> str:
    items = [{"table": t, "columns": "all", "justification": JUSTIFY} for t in ("patient", "sample", "germline_variant")]
    return active_dar(env, approved=approved, items=items, purpose={"primary": "GRU"})


def test_germline_items_are_flagged_and_never_approved_implicitly():
    requested = [DataItem("sample", ("sample_id",), JUSTIFY), DataItem("germline_variant", ("sample_id", "gene"), JUSTIFY)]
    assert [r["germline"] for r in minimisation_review(requested)] == [False, True]
    assert [i.table for i in approve_subset(requested, None)] == ["sample"]
    named = approve_subset(requested, [{"table": "sample"}, {"table": "germline_variant"}])
    assert [i.table for i in named] == ["sample", "germline_variant"]


def test_an_approval_that_does_not_name_germline_releases_none(env: Env):
    app = decided_dar(env, None)
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    assert not (built.path / "tables" / "germline_variant.parquet").exists()
    assert (built.path / "tables" / "sample.parquet").exists()


def test_germline_rows_are_released_only_for_patients_who_consented(env: Env, store_home: Path):
    app = decided_dar(env, [{"table": "patient"}, {"table": "sample"}, {"table": "germline_variant"}])
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    ps = Pseudonymizer(release_key(env.home, app))
    back = {ps("sample", s): (s, p) for s, p in env.store.con.execute("SELECT sample_id, patient_id FROM sample").fetchall()}
    released = pq.read_table(built.path / "tables" / "germline_variant.parquet").column("sample_id").to_pylist()
    samples_released = pq.read_table(built.path / "tables" / "sample.parquet").column("sample_id").to_pylist()
    consenting = set((store_home / "consenting.txt").read_text().split())
    assert released and {back[s][1] for s in released} <= consenting
    assert {back[s][0] for s in released} == {back[s][0] for s in samples_released if back[s][1] in consenting}
    assert len(samples_released) > len(released), "patients without germline consent are released without germline rows"
    patients_released = {back[s][1] for s in samples_released}
    assert built.manifest["excluded"]["germline_without_consent"] == len(patients_released - consenting) > 0
    assert f"{len(patients_released - consenting)} released patient(s) without it have no germline rows" in \
        (built.path / "README.md").read_text()
