"""`onconode export FORMAT --freeze ID OUT`: the files and report.json, clear refusals, no half
OUT after a failure, and the same export as a job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.exchange import formats
from onconode.exchange.run import ExportError, export_freeze
from onconode.store.store import Store


def onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=300)


def test_export_writes_the_format_and_a_report_and_prints_what_could_not_be_expressed(frozen_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "mds"
    run = onconode(frozen_home, "export", "mds", "--freeze", "DR-1", str(out))
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["format"] == "mds" and report["patients"] == 12
    assert report["files"]["subject_diagnosis.csv"] == 12
    assert "not expressed in mds" in run.stdout and "sample.biospecimen_type" in run.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left"


@pytest.mark.parametrize("args, said", [
    (("export", "ndjson", "--freeze", "DR-1"), "unknown export format 'ndjson': choose one of"),
    (("export", "mds", "--freeze", "DR-9"), "no freeze 'DR-9'"),
])
def test_export_refuses_an_unknown_format_or_freeze_and_says_what_exists(frozen_home: Path, tmp_path: Path, args, said) -> None:
    run = onconode(frozen_home, *args, str(tmp_path / "out"))
    assert run.returncode != 0 and said in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_export_refuses_a_folder_that_holds_files(frozen_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    run = onconode(frozen_home, "export", "phenopackets", "--freeze", "DR-1", str(out))
    assert run.returncode != 0 and "not an empty folder" in run.stderr and "choose a new folder" in run.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_failing_export_leaves_no_out_folder(frozen_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_then_fail(patients, out_dir, report):
        for i, record in enumerate(patients):
            (out_dir / f"{record.patient_id}.txt").write_text("x")
            if i == 3:
                raise OSError("disk full")

    monkeypatch.setitem(formats.FORMATS, "broken", half_then_fail)
    with Store.open(frozen_home, read_only=True) as store, pytest.raises(OSError, match="disk full"):
        export_freeze(store, "broken", "DR-1", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_existing_folder_is_filled(frozen_home: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with Store.open(frozen_home, read_only=True) as store:
        report = export_freeze(store, "mds", "DR-1", tmp_path / "out")
    assert report.patients == 12 and (tmp_path / "out" / "report.json").is_file()
    with Store.open(frozen_home, read_only=True) as store, pytest.raises(ExportError):
        export_freeze(store, "mds", "DR-1", tmp_path / "out")


def test_export_runs_as_a_job_that_a_worker_completes(frozen_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "node"
    import shutil
    shutil.copytree(frozen_home, home)
    out = tmp_path / "pp"
    queued = onconode(home, "export", "phenopackets", "--freeze", "DR-1", str(out), "--background")
    assert queued.returncode == 0 and "queued job" in queued.stdout, queued.stderr
    assert not out.exists()
    job_id = queued.stdout.split("queued job ")[1].split(":")[0]
    drained = onconode(home, "worker", "--until-idle")
    assert drained.returncode == 0, drained.stderr
    shown = onconode(home, "jobs", "show", job_id)
    assert "done" in shown.stdout, shown.stdout
    assert len(list(out.glob("*.json"))) == 12 + 1  # one per patient and report.json


def test_a_format_reads_only_the_rows_it_declares_and_the_report_counts_the_rest(frozen_home: Path, tmp_path: Path) -> None:
    with Store.open(frozen_home, read_only=True) as store:
        report = export_freeze(store, "phenopackets", "DR-1", tmp_path / "out")
        unreported, segments = store.con.execute(
            "SELECT (SELECT count(*) FROM somatic_variant WHERE NOT reported), (SELECT count(*) FROM copy_number_segment)").fetchone()
    assert report.not_expressed["somatic_variant (rows not reported): phenopackets writes only rows where reported"] == unreported > 0
    assert report.not_expressed["copy_number_segment: not written to phenopackets"] == segments > 0
