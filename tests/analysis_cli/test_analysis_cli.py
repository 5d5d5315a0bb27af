"""`onconode cohort …` and `onconode analyse …` on a small synthetic node: the same
controlled results as the REST API, as rich tables or --json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onconode.interfaces.cli.main import app
from onconode.store import Store

FREEZE = "DR-CLI"
ALL = '{"op": "all"}'
CRC = {"op": "tumour_type", "doids": ["9256"]}
runner = CliRunner()


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from onconode.synth import load_cohort

    home = tmp_path_factory.mktemp("cli-node")
    with Store.init(home) as store:
        load_cohort(store, patients=200, seed=11, median_variants=5, workers=1)
        store.create_freeze(FREEZE)
    return home


@pytest.fixture
def home(store_home: Path, tmp_path: Path) -> Path:
    """The shared store with this test's own query history and saved cohorts."""
    h = tmp_path / "node"
    h.mkdir()
    for f in store_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (h / f.name).symlink_to(f)
    return h


def run(home: Path, *args: str, code: int | None = 0):
    """Run the CLI on `home`; checks the exit code unless `code` is None."""
    result = runner.invoke(app, ["--home", str(home), *args])
    assert code is None or result.exit_code == code, result.output
    return result


def as_json(home: Path, *args: str) -> dict:
    return json.loads(run(home, *args, "--json").stdout)


def test_count_prints_a_controlled_table_on_the_newest_freeze(home):
    out = run(home, "analyse", "count", ALL).stdout
    assert "count on freeze DR-CLI — disclosure: controlled" in out
    shown = int(re.search(r"│ cohort │ (\d+)", out).group(1))   # 200 patients, perturbed
    assert abs(shown - 200) <= 3 and "patients" in out


def test_count_as_json_from_a_file_or_inline_agree(home, tmp_path):
    path = tmp_path / "crc.json"
    path.write_text(json.dumps(CRC))
    from_file = as_json(home, "analyse", "count", str(path))
    inline = as_json(home, "analyse", "count", json.dumps(CRC))
    assert from_file["patients"] == inline["patients"] and from_file["freeze"] == FREEZE


def test_saved_cohorts_are_listed_shown_and_analysed_by_id(home):
    cohort_id = run(home, "cohort", "save", "Colorectal", json.dumps(CRC)).stdout.strip()
    assert len(cohort_id) == 12
    listed = json.loads(run(home, "cohort", "list", "--json").stdout)
    assert [c["cohort_id"] for c in listed] == [cohort_id] and listed[0]["created_by"].startswith("cli:")
    assert "Colorectal" in run(home, "cohort", "show", cohort_id).stdout
    assert as_json(home, "analyse", "count", cohort_id)["freeze"] == FREEZE
    run(home, "cohort", "show", "000000000000", code=1)


def test_a_bad_cohort_is_refused_naming_the_place(home):
    bad = run(home, "analyse", "count", '{"op": "and", "args": [{"op": "sex", "values": ["M"]}]}', code=2)
    assert "args[0].values[0]" in bad.stderr
    assert "neither a file" in run(home, "analyse", "count", "no-such-file.json", code=2).stderr


def test_output_is_disclosure_controlled_and_small_groups_are_refused(home):
    summary = as_json(home, "analyse", "summary", ALL)
    small = [loc for loc, n in summary["counts"]["tumour_type"].items() if n == "<5"]
    assert small, "the synthetic cohort should have a rare tumour location"
    refusals = [run(home, "analyse", "count", json.dumps({"op": "tumour_location", "locations": [loc]}), code=None)
                for loc in small]
    assert any(r.exit_code == 1 and "refused by disclosure control" in r.stderr for r in refusals)
    assert summary["perturbation"]["method"] == "cell-key" and "<5" in summary["markers"]


@pytest.mark.parametrize("args, analysis", [
    (["frequency", ALL, "--gene", "KRAS", "--gene", "TP53", "--kind", "mutation"], "alteration_frequency"),
    (["oncoprint", ALL, "--gene", "KRAS", "--gene", "TP53"], "oncoprint"),
    (["compare", "--group", f"CRC={json.dumps(CRC)}", "--group", f"rest={ALL}", "--gene", "APC"], "group_comparison"),
    (["response", ALL, "--mechanism", "Anti-EGFR", "--biomarker", '{"op": "gene_altered", "gene": "KRAS"}'], "biomarker_response"),
    (["survival", "--group", f"CRC={json.dumps(CRC)}", "--group", f"rest={ALL}", "--cox-covariate", "age"], "survival"),
])
def test_every_analysis_runs_as_a_table_and_as_json(home, args, analysis):
    assert as_json(home, "analyse", *args)["analysis"] == analysis
    assert "disclosure: controlled" in run(home, "analyse", *args).stdout


def test_mistakes_in_the_options_say_what_to_do(home):
    assert "say which treatment" in run(home, "analyse", "response", ALL, "--biomarker", ALL, code=2).stderr
    assert "NAME=COHORT" in run(home, "analyse", "compare", "--group", ALL, code=2).stderr
    assert "known freezes: DR-CLI" in run(home, "analyse", "count", ALL, "--freeze", "DR-NOPE", code=1).stderr
