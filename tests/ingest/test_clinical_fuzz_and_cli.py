"""Robustness (any input: a result or an IngestError, nothing else) and the CLI path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from onconode.interfaces.cli.main import app
from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.phenopackets import ingest_phenopackets
from onconode.ingest.problems import IngestError
from onconode.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "clinical" / "good"

cell = st.one_of(
    st.sampled_from(["", "NA", "2020-02-30", "1900-01-01", "2999-01-01", "T1", "HMF000001", "DUO:0000042", "x\ty", "-1", "1e400", "true", "PR", "9"]),
    st.text(max_size=12),
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(name=st.sampled_from(["patients.tsv", "biopsies.tsv", "treatments.tsv", "responses.tsv", "consents.tsv"]),
       line=st.integers(0, 3), column=st.integers(0, 9), value=cell)
def test_clinical_reader_on_mutated_cells_only_raises_ingest_error(tmp_path_factory, name, line, column, value):
    folder = tmp_path_factory.mktemp("fuzz") / "clinical"
    shutil.copytree(GOOD, folder)
    lines = (folder / name).read_text().split("\n")
    cells = lines[min(line, len(lines) - 2)].split("\t")
    cells[column % len(cells)] = value
    lines[min(line, len(lines) - 2)] = "\t".join(cells)
    (folder / name).write_text("\n".join(lines))
    store = Store.init(tmp_path_factory.mktemp("node"))
    try:
        ingest_clinical(store, folder)
    except IngestError as exc:
        assert exc.problems and store.current_version == 0
    finally:
        store.close()


@FUZZ
@given(content=st.binary(max_size=300))
def test_clinical_reader_on_arbitrary_bytes_only_raises_ingest_error(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "patients.tsv").write_bytes(b"patient_id\tdataset_id\n" + content)
    store = Store.init(tmp_path_factory.mktemp("node"))
    try:
        ingest_clinical(store, folder)
    except IngestError:
        pass
    finally:
        store.close()


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10,
)
PATHS = [("subject",), ("subject", "vitalStatus"), ("diseases", 0), ("biosamples", 0), ("medicalActions", 0), ("medicalActions", 0, "treatment"), ("metaData",)]


@FUZZ
@given(where=st.sampled_from(PATHS), key=st.sampled_from(["id", "sex", "dateOfBirth", "term", "onset", "status", "agent", "interval", "timeOfCollection", "survivalTimeInDays", "x"]), value=json_value)
def test_phenopackets_reader_on_mutated_fields_only_raises_ingest_error(tmp_path_factory, where, key, value):
    packet = json.loads((DATA / "phenopackets" / "melanoma_braf.json").read_text())
    node = packet
    for step in where:
        node = node[step]
    node[key] = value
    path = tmp_path_factory.mktemp("pp") / "p.json"
    path.write_text(json.dumps(packet))
    store = Store.init(tmp_path_factory.mktemp("node"))
    try:
        ingest_phenopackets(store, path, dataset="PP")
    except IngestError as exc:
        assert exc.problems and store.current_version == 0
    finally:
        store.close()


@FUZZ
@given(content=st.binary(max_size=200))
def test_phenopackets_reader_on_arbitrary_bytes_only_raises_ingest_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("ppb") / "p.json"
    path.write_bytes(content)
    store = Store.init(tmp_path_factory.mktemp("node"))
    try:
        ingest_phenopackets(store, path, dataset="PP")
    except IngestError:
        pass
    finally:
        store.close()


def test_cli_init_ingest_clinical_and_stats_json(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "node")
    assert runner.invoke(app, ["--home", home, "init"]).exit_code == 0

    result = runner.invoke(app, ["--home", home, "ingest", "clinical", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output

    stats = runner.invoke(app, ["--home", home, "stats", "--json"])
    counts = json.loads(stats.stdout)
    assert (counts["version"], counts["patient"], counts["treatment_drug"], counts["treatment_response"]) == (1, 2, 5, 3)


def test_cli_reports_every_problem_and_exits_2(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "node")
    runner.invoke(app, ["--home", home, "init"])
    folder = tmp_path / "clinical"
    shutil.copytree(GOOD, folder)
    (folder / "patients.tsv").write_text((folder / "patients.tsv").read_text().replace("female", "X"))

    result = runner.invoke(app, ["--home", home, "ingest", "clinical", str(folder)])
    assert result.exit_code == 2
    assert "patients.tsv:2: column sex: error: 'x' is not an allowed value" in result.output


def test_cli_ingest_phenopackets(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "node")
    runner.invoke(app, ["--home", home, "init"])
    result = runner.invoke(app, ["--home", home, "ingest", "phenopackets", str(DATA / "phenopackets"), "--dataset", "PP"])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(app, ["--home", home, "stats", "--json"]).stdout)
    assert (stats["patient"], stats["sample"], stats["treatment"]) == (2, 2, 3)
