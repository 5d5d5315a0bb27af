"""The per-freeze variant snapshot: each sample's rows in a release's order, used by
release builds without changing a single byte, and gone after a consent withdrawal."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from onconode.release import snapshot
from onconode.release import writers as W
from onconode.release.builder import build
from onconode.store import Store
from onconode.store.withdraw import withdraw_patient

from tests.conftest import frozen_synthetic_store
from tests.release.conftest import DURING_TERM, FREEZE, Env, active_dar


def test_snapshot_holds_every_variant_of_the_freeze_by_sample_in_genomic_order(env: Env):
    snap = snapshot.build(env.store, FREEZE)
    version = env.store.resolve(FREEZE)
    per_sample = dict(env.store.con.execute(
        f"SELECT sample_id, count(*) FROM ({env.store.relation_sql('somatic_variant', version)}) GROUP BY 1").fetchall())
    assert {s: rows for s, (_, _, rows) in snap.meta["samples"].items()} == per_sample
    assert snap.meta["rows"] == sum(per_sample.values()) == pq.read_metadata(snap.file).num_rows
    sample = max(per_sample, key=per_sample.get)
    rows = pq.read_table(snap.file).to_pylist()
    first, count, n = snap.meta["samples"][sample]
    mine = pq.ParquetFile(snap.file).read_row_groups(list(range(first, first + count))).to_pylist()
    assert len(mine) == n and all(r["sample_id"] == sample for r in mine)
    expected = env.store.con.execute(
        f"SELECT chromosome, position, ref, alt FROM ({env.store.relation_sql('somatic_variant', version)}) "
        "WHERE sample_id = ? ORDER BY CASE WHEN regexp_matches(chromosome, '^[0-9]+$') THEN CAST(chromosome AS INT) "
        "WHEN chromosome = 'X' THEN 23 WHEN chromosome = 'Y' THEN 24 ELSE 25 END, position, ref, alt", [sample]).fetchall()
    assert [(r["chromosome"], r["position"], r["ref"], r["alt"]) for r in mine] == expected
    assert len(rows) == snap.meta["rows"]


SOME_VARIANT_COLUMNS = [{"table": "sample", "columns": "all", "justification": "Samples are the unit of analysis."},
                        {"table": "somatic_variant", "columns": ["sample_id", "chromosome", "position", "ref", "alt", "gene", "vaf", "filter"],
                         "justification": "Positions and genes of the variants."}]


@pytest.mark.parametrize("items", [None, SOME_VARIANT_COLUMNS], ids=["all-items", "some-variant-columns"])
def test_release_from_the_snapshot_is_byte_identical_to_one_sorted_from_the_store(env: Env, monkeypatch, items):
    monkeypatch.setattr(W, "ROW_GROUP_ROWS", 1000)  # several row groups, as at scale (rounded up to 2,048-row vectors)
    app = active_dar(env, **({"items": items} if items else {}))
    from_snapshot = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    stages = json.loads((env.home / "release-builds.jsonl").read_text().splitlines()[-1])["stage_seconds"]
    assert "somatic_variant from snapshot (parquet beside tsv + maf + vcf)" in stages
    files = {f["path"]: f["sha256"] for f in from_snapshot.manifest["files"]}

    def unavailable(store, freeze):
        raise OSError("snapshot folder not writable")

    monkeypatch.setattr(snapshot, "load", lambda store, freeze: None)
    monkeypatch.setattr(snapshot, "build", unavailable)
    sorted_in_store = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    stages = json.loads((env.home / "release-builds.jsonl").read_text().splitlines()[-1])["stage_seconds"]
    assert "somatic_variant parquet (select, sort)" in stages
    assert {f["path"]: f["sha256"] for f in sorted_in_store.manifest["files"]} == files
    assert pq.read_metadata(sorted_in_store.path / "tables" / "somatic_variant.parquet").num_row_groups > 1


def test_a_withdrawal_removes_the_snapshots_and_a_rebuild_leaves_the_patient_out(tmp_path: Path):
    home = frozen_synthetic_store(tmp_path / "store", patients=6, seed=3, median_variants=30, freeze="F1")
    with Store.open(home) as store:
        snap = snapshot.build(store, "F1")
        assert snapshot.load(store, "F1") is not None
        patient, sample = store.con.execute(
            "SELECT s.patient_id, s.sample_id FROM sample s JOIN somatic_variant v USING (sample_id) LIMIT 1").fetchall()[0]
        assert sample in snap.meta["samples"]
        withdraw_patient(store, patient, "test")
        assert not snap.path.exists()
        assert snapshot.load(store, "F1") is None
        again, built = snapshot.ensure(store, "F1")
        assert built and sample not in again.meta["samples"]
        assert snapshot.ensure(store, "F1")[1] is False


def test_snapshot_of_an_unknown_freeze_is_refused(env: Env):
    from onconode.store import StoreError

    with pytest.raises(StoreError, match="no freeze 'NOPE'"):
        snapshot.build(env.store, "NOPE")
