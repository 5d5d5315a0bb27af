"""The store commands of the CLI contract: init, stats, freeze create/list, withdraw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cohort_builder import ingest_cohort
from typer.testing import CliRunner

from onconode.interfaces.cli.main import app
from onconode.store import Store

runner = CliRunner()


def run(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args])


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "node"
    assert run(home, "init").exit_code == 0
    with Store.open(home) as s:
        ingest_cohort(s, n=5)
    return home


def test_init_creates_an_empty_store_at_version_zero(tmp_path: Path) -> None:
    result = run(tmp_path / "fresh", "init")
    assert result.exit_code == 0, result.output
    assert "version 0" in result.stdout
    with Store.open(tmp_path / "fresh", read_only=True) as s:
        assert s.current_version == 0


def test_a_command_on_a_folder_without_a_store_says_to_run_init(tmp_path: Path) -> None:
    result = run(tmp_path / "nothing", "stats")
    assert result.exit_code == 1
    assert "run `onconode --home" in result.stderr and "init` first" in result.stderr


def test_stats_json_prints_one_json_object_with_the_counts(home: Path) -> None:
    result = run(home, "stats", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # the whole output is one object
    assert doc["version"] == 1 and doc["freeze"] is None
    assert doc["patient"] == 5 and doc["sample"] == 5 and doc["fusion"] == 0
    assert doc["somatic_variant"] == sum(5 + i % 7 for i in range(1, 6))


def test_stats_of_a_freeze_stays_the_same_after_a_later_ingest(home: Path) -> None:
    assert run(home, "freeze", "create", "DR-2026-11", "-d", "November release").exit_code == 0
    before = json.loads(run(home, "stats", "--freeze", "DR-2026-11", "--json").stdout)
    with Store.open(home) as s:
        ingest_cohort(s, n=4, first=20)
    after = json.loads(run(home, "stats", "--freeze", "DR-2026-11", "--json").stdout)
    now = json.loads(run(home, "stats", "--json").stdout)
    assert after == before
    assert now["patient"] == 9 and now["version"] == 2


def test_stats_as_a_table_names_the_version_and_tables(home: Path) -> None:
    result = run(home, "stats")
    assert result.exit_code == 0
    assert "store version 1" in result.stdout
    assert "somatic_variant" in result.stdout


def test_freeze_create_and_list(home: Path) -> None:
    result = run(home, "freeze", "create", "DR-1", "--description", "first")
    assert result.exit_code == 0
    first, snapshot = result.stdout.strip().splitlines()
    assert first == "freeze DR-1 pins store version 1"
    assert snapshot.startswith("release snapshot: ") and "variants" in snapshot
    listing = run(home, "freeze", "list")
    assert listing.exit_code == 0
    assert "DR-1" in listing.stdout and "first" in listing.stdout


def test_freeze_with_a_bad_id_is_a_clear_error(home: Path) -> None:
    result = run(home, "freeze", "create", "DR 1/..")
    assert result.exit_code != 0
    assert "is not valid" in result.stderr and "e.g. DR-2026-11" in result.stderr


def test_a_duplicate_freeze_id_is_a_clear_error(home: Path) -> None:
    assert run(home, "freeze", "create", "DR-1").exit_code == 0
    result = run(home, "freeze", "create", "DR-1")
    assert result.exit_code != 0
    assert "freeze DR-1 already exists" in result.stderr


def test_stats_of_an_unknown_freeze_lists_the_known_ones(home: Path) -> None:
    run(home, "freeze", "create", "DR-1")
    result = run(home, "stats", "--freeze", "DR-7")
    assert result.exit_code != 0
    assert "no freeze 'DR-7'" in result.stderr and "DR-1" in result.stderr


def test_withdraw_removes_the_patient_and_reports_the_rows(home: Path) -> None:
    run(home, "freeze", "create", "DR-1")
    result = run(home, "withdraw", "P002", "--reason", "REQ-17")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("withdrew P002:") and "rows removed from every version" in result.stdout
    assert json.loads(run(home, "stats", "--json", "--freeze", "DR-1").stdout)["patient"] == 4


def test_withdrawing_twice_or_an_unknown_patient_is_a_clear_error(home: Path) -> None:
    assert run(home, "withdraw", "P002").exit_code == 0
    again = run(home, "withdraw", "P002")
    assert again.exit_code != 0 and "already withdrawn consent" in again.stderr
    unknown = run(home, "withdraw", "P404")
    assert unknown.exit_code != 0 and "no patient P404 in the store" in unknown.stderr
