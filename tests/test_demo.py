"""`onconode demo`: the first thing a new user runs builds a complete, frozen node."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from onconode.interfaces.cli.main import app

runner = CliRunner()


def _demo(home: Path, *extra: str):
    return runner.invoke(app, ["--home", str(home), "demo", "--patients", "12", "--variants-per-sample", "300", "--no-serve", *extra])


def test_demo_builds_a_frozen_node_with_the_synthetic_cohort_and_colo829(tmp_path: Path, shared_fixtures: Path, monkeypatch):
    monkeypatch.setenv("ONCONODE_SHARED_FIXTURES", str(shared_fixtures))
    home = tmp_path / "demo"
    result = _demo(home)
    assert result.exit_code == 0, result.output
    assert "freeze DR-" in result.output
    assert "COLO829 (melanoma cell line) loaded as COLO829T" in result.output

    freezes = runner.invoke(app, ["--home", str(home), "freeze", "list"])
    freeze_id = next(w for w in freezes.output.split() if w.startswith("DR-"))
    stats = json.loads(runner.invoke(app, ["--home", str(home), "stats", "--freeze", freeze_id, "--json"]).output)
    assert stats["patient"] == 13  # 12 synthetic + COLO829
    assert stats["somatic_variant"] > 12 * 50
    assert stats["treatment"] > 0 and stats["treatment_response"] > 0 and stats["driver"] > 0
    # the WiGiTS tools behind the portal's CUPPA, HLA and signature charts
    assert stats["cuppa_prediction"] > 0 and stats["hla_allele"] > 0 and stats["signature_allocation"] > 0
    assert "CUPPA predictions" in result.output


def test_demo_without_the_shared_fixtures_still_builds_and_says_why_colo829_is_missing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ONCONODE_SHARED_FIXTURES", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("onconode.demo.find_shared_fixtures", lambda: None)
    result = _demo(tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert "COLO829 not loaded" in result.output


def test_running_the_demo_again_rebuilds_it_in_place(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("onconode.demo.find_shared_fixtures", lambda: None)
    home = tmp_path / "demo"
    assert _demo(home).exit_code == 0
    again = _demo(home)
    assert again.exit_code == 0, again.output
    stats = json.loads(runner.invoke(app, ["--home", str(home), "stats", "--json"]).output)
    assert stats["patient"] == 12


def test_the_demo_never_overwrites_a_real_node(tmp_path: Path):
    home = tmp_path / "node"
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    result = _demo(home)
    assert result.exit_code != 0
    assert "not a demo" in result.output


def test_the_demo_serves_the_portal_and_prints_its_address(tmp_path: Path):
    """As the README runs it: build, print, then serve until stopped."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "demo.log"
    cmd = [sys.executable, "-m", "onconode", "--home", str(tmp_path / "demo"), "demo", "--patients", "12",
           "--variants-per-sample", "300", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/catalogue", timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo portal did not answer within 240 s:\n" + log.read_text()
                time.sleep(0.5)
        assert f"Portal: http://127.0.0.1:{port}/" in log.read_text()
        assert "Catalogue" in page
    finally:
        proc.terminate()
        proc.wait(20)
