"""The release builder: exactly the approved data, reproducible, atomic, refused when wrong."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from onconode.access import events as S
from onconode.access.duo import Purpose, Requester, excluded_patients
from onconode.release import ReleaseError
from onconode.release.builder import build, built_releases, releases_root
from onconode.release.manifest import verify
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.release.trace import trace
from onconode.store.withdraw import withdraw_patient

from tests.access.helpers import dar_in_state
from tests.release.conftest import DURING_TERM, FREEZE, Env, active_dar, release_form

ROOT = Path(__file__).resolve().parents[2]


def real_ids(env: Env, app_id: str, kind: str, ids: list[str]) -> set[str]:
    ps = Pseudonymizer(release_key(env.home, app_id))
    table, col = {"patient": ("patient", "patient_id"), "sample": ("sample", "sample_id")}[kind]
    back = {ps(kind, r): r for (r,) in env.store.con.execute(f"SELECT {col} FROM {table}").fetchall()}
    return {back[i] for i in ids}


def test_release_holds_the_cohort_minus_patients_whose_consent_does_not_cover_the_purpose(env: Env):
    app = active_dar(env)
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    everyone = {r[0] for r in env.store.con.execute("SELECT patient_id FROM patient").fetchall()}
    not_covered = excluded_patients(env.store, Purpose("HMB"), Requester(True, "NL", None, False), freeze=FREEZE)
    assert not_covered, "the synthetic cohort has disease-specific consents an HMB purpose does not cover"
    released = pq.read_table(built.path / "tables" / "patient.parquet").column("patient_id").to_pylist()
    assert real_ids(env, app, "patient", released) == everyone - set(not_covered)
    assert built.manifest["excluded"]["consent_not_covering_purpose"] == len(not_covered)


def test_release_holds_only_the_approved_tables_and_columns(env: Env):
    items = [{"table": "sample", "columns": ["sample_id", "patient_id", "primary_tumor_location"], "justification": "Tumour type is the stratifier."},
             {"table": "somatic_variant", "columns": ["sample_id", "gene", "hgvs_protein"], "justification": "Protein changes are the biomarkers."}]
    app = active_dar(env, items=items)
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    tables = sorted(p.name for p in (built.path / "tables").iterdir())
    assert tables == ["sample.parquet", "sample.tsv", "somatic_variant.parquet", "somatic_variant.tsv"]
    assert pq.read_schema(built.path / "tables" / "somatic_variant.parquet").names == ["sample_id", "gene", "hgvs_protein"]
    header = (built.path / "metadata.tsv").read_text().splitlines()[0].split("\t")
    assert header == ["patient_id", "sample_id", "primary_tumor_location"]
    # Without positions there can be no VCF or MAF: the board did not approve them.
    assert not (built.path / "somatic").exists()
    assert "birth_year" not in (built.path / "README.md").read_text()


def test_every_data_type_is_delivered_in_its_formats(env: Env):
    app = active_dar(env)
    built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    m = built.manifest
    paths = {f["path"] for f in m["files"]}
    for t in ("copy_number_segment", "gene_copy_number", "structural_variant", "treatment", "treatment_drug", "treatment_response"):
        assert f"tables/{t}.parquet" in paths and f"tables/{t}.tsv" in paths
        assert pq.read_metadata(built.path / "tables" / f"{t}.parquet").num_rows == m["tables"][t]
    vcfs = sorted(p for p in paths if p.endswith(".somatic.vcf.gz"))
    assert vcfs and all(p + ".tbi" in paths for p in vcfs)
    first = built.path / vcfs[0]
    out = subprocess.run(["tabix", "-l", str(first)], capture_output=True, text=True, check=True).stdout.split()
    assert out, "tabix lists the contigs of an indexed VCF"
    region = subprocess.run(["tabix", str(first), out[0]], capture_output=True, text=True, check=True).stdout
    assert region.count("\n") >= 1
    maf = (built.path / "somatic" / "somatic_variants.maf").read_text().splitlines()
    assert maf[0] == "#version 2.4" and len(maf) - 2 == m["tables"]["somatic_variant"]
    metadata = (built.path / "metadata.tsv").read_text().splitlines()
    assert len(metadata) - 1 == m["samples"]
    readme = (built.path / "README.md").read_text()
    assert "Tumour purity fitted by PURPLE." in readme and "based on data made available by Hartwig Medical Foundation" in readme
    assert app in (built.path / "ACKNOWLEDGEMENT.txt").read_text()


def test_building_twice_gives_byte_identical_files(env: Env):
    app = active_dar(env)
    first = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    snapshot = {f["path"]: f["sha256"] for f in first.manifest["files"]}
    manifest_bytes = (first.path / "manifest.json").read_bytes()
    second = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    assert {f["path"]: f["sha256"] for f in second.manifest["files"]} == snapshot
    assert (second.path / "manifest.json").read_bytes() == manifest_bytes
    assert verify(second.path).ok


def test_build_is_refused_when_the_dar_is_not_active_or_the_freeze_is_missing(env: Env):
    approved = dar_in_state(env.world, S.APPROVED, release_form())
    with pytest.raises(ReleaseError, match="approved: a release is built only while"):
        build(env.home, env.store, env.gov, approved, at=DURING_TERM)
    no_freeze = active_dar(env, freeze="DR-NOPE")
    with pytest.raises(ReleaseError, match="freeze DR-NOPE .* does not exist"):
        build(env.home, env.store, env.gov, no_freeze, at=DURING_TERM)
    assert built_releases(env.home) == []
    assert not [p for p in releases_root(env.home).glob("*") if not p.name.startswith(".")]


def test_a_withdrawn_patient_is_never_released(store_home: Path, tmp_path: Path):
    from onconode.store import Store
    from tests.release.conftest import make_env

    own = tmp_path / "store"
    own.mkdir()
    for f in store_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (own / f.name).write_bytes(f.read_bytes())
    with Store.open(own) as store:
        victim = store.con.execute("SELECT patient_id FROM consent WHERE duo_code = 'DUO:0000042' ORDER BY patient_id LIMIT 1").fetchall()[0][0]
        withdraw_patient(store, victim, "request 17")
    env = make_env(own, tmp_path / "node")
    try:
        app = active_dar(env)
        built = build(env.home, env.store, env.gov, app, at=DURING_TERM)
        ps = Pseudonymizer(release_key(env.home, app))
        text = "".join((built.path / f["path"]).read_text() for f in built.manifest["files"] if f["path"].endswith((".tsv", ".maf")))
        assert ps("patient", victim) not in text
        assert victim not in text
    finally:
        env.store.close()
        env.gov.close()


def test_two_licensees_releases_share_no_identifier_and_trace_finds_the_source(env: Env):
    a = active_dar(env)
    b = active_dar(env, shift_days=1)
    ra = build(env.home, env.store, env.gov, a, at=DURING_TERM)
    rb = build(env.home, env.store, env.gov, b, at=DURING_TERM)
    ids_a = set(pq.read_table(ra.path / "tables" / "sample.parquet").column("sample_id").to_pylist())
    ids_b = set(pq.read_table(rb.path / "tables" / "sample.parquet").column("sample_id").to_pylist())
    assert len(ids_a) == len(ids_b) > 0 and not ids_a & ids_b
    leaked = rb.path / "somatic" / "somatic_variants.maf"
    result = trace(env.home, env.store, leaked)
    assert [m.application for m in result.matches] == [b]
    # every sample the leaked file names (a panel sample may have no variant in it: not named)
    lines = [line.split("\t") for line in leaked.read_text().splitlines() if not line.startswith("#")]
    named = {row[lines[0].index("Tumor_Sample_Barcode")] for row in lines[1:]}
    assert named and named <= ids_b
    assert set(result.matches[0].matched.values()) == real_ids(env, b, "sample", sorted(named))


def test_verify_names_the_tampered_file(env: Env, tmp_path: Path):
    built = build(env.home, env.store, env.gov, active_dar(env), at=DURING_TERM)
    copy = tmp_path / "download"
    subprocess.run(["cp", "-r", str(built.path), str(copy)], check=True)
    assert verify(copy).ok
    target = copy / "tables" / "treatment.tsv"
    target.write_text(target.read_text().replace("Pembrolizumab", "Pembrolizumax", 1))
    (copy / "metadata.tsv").unlink()
    problems = verify(copy).problems
    assert any(p.startswith("tables/treatment.tsv: SHA-256 differs") for p in problems)
    assert any(p.startswith("metadata.tsv: missing") for p in problems)
    cli = subprocess.run([sys.executable, "-m", "onconode", "release", "verify", str(copy)], capture_output=True, text=True)
    assert cli.returncode == 3 and "tables/treatment.tsv" in cli.stdout


KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.release.conftest import make_env, active_dar, DURING_TERM
import onconode.release.builder as b
env = make_env(Path({store!r}), Path({home!r}))
app = active_dar(env)
real = b.write_manifest
def slow(*args, **kwargs):
    Path({home!r}, "WRITING").write_text("x")
    time.sleep(120)
b.write_manifest = slow
b.build(env.home, env.store, env.gov, app, at=DURING_TERM)
"""


def test_a_killed_build_leaves_nothing_visible_and_the_next_build_cleans_up(store_home: Path, tmp_path: Path):
    home = tmp_path / "node"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT.format(root=str(ROOT), store=str(store_home), home=str(home))],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    while not (home / "WRITING").exists():  # the build is writing its files
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    root = releases_root(home)
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == []
    assert built_releases(home) == []
    partial = [p for p in root.iterdir() if p.name.startswith(".DAR-")]
    assert partial, "the killed build's work folder is hidden, not removed by the kill"
    from onconode.release.builder import _remove_stale_partials

    _remove_stale_partials(root, partial[0].name.split(".partial-")[0][1:])
    assert not any(p.exists() for p in partial)


def test_build_is_refused_when_an_approved_item_does_not_exist(env: Env):
    import dataclasses

    from onconode.access.workflow import load
    from onconode.release.selection import select

    app_id = active_dar(env)
    with env.gov.engine.connect() as conn:
        app = load(conn, app_id)
    unknown_table = dataclasses.replace(app, decision={**app.decision, "items": [{"table": "rna_expression", "columns": "all"}]})
    with pytest.raises(ReleaseError, match="approves table 'rna_expression', which is not in this node's data model"):
        select(env.store, env.gov, unknown_table, DURING_TERM)
    unknown_column = dataclasses.replace(app, decision={**app.decision, "items": [{"table": "patient", "columns": ["patient_id", "ssn"]}]})
    with pytest.raises(ReleaseError, match="approves columns ssn of patient"):
        select(env.store, env.gov, unknown_column, DURING_TERM)


def test_a_writer_failing_mid_build_fails_the_build_and_keeps_the_previous_release(env: Env, monkeypatch):
    """The variants' Parquet and text are written at once: an error in one stops the
    build, the other writer is interrupted, and the release already delivered stays as it
    was, with no half-written folder beside it."""
    from onconode.release import variant_text

    app = active_dar(env)
    first = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    before = (first.path / "manifest.json").read_bytes()
    calls = {"n": 0}
    real_format = variant_text._Formatter.__call__

    def failing(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("disk trouble while formatting")
        return real_format(self, batch)

    monkeypatch.setattr(variant_text, "SLICE_ROWS", 64)  # several slices, so the failure is mid-pass
    monkeypatch.setattr(variant_text._Formatter, "__call__", failing)
    with pytest.raises(ValueError, match="disk trouble"):
        build(env.home, env.store, env.gov, app, at=DURING_TERM)
    root = releases_root(env.home)
    assert [p.name for p in root.iterdir()] == [app]
    assert (root / app / "manifest.json").read_bytes() == before
    assert verify(root / app).ok
    monkeypatch.undo()
    again = build(env.home, env.store, env.gov, app, at=DURING_TERM)
    assert (again.path / "manifest.json").read_bytes() == before
