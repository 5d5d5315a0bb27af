"""Each format declares its mapping and required content once; docs/exchange/ is generated
from the declarations and `onconode quality` reports their coverage per freeze."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from onconode.exchange.coverage import coverage, declared, mapping_markdown
from onconode.exchange.formats import FORMATS
from onconode.exchange.mapping import split
from onconode.exchange.patients import freeze_relations
from onconode.exchange.run import reads
from onconode.store.store import Store
from tests.conftest import frozen_synthetic_store

ROOT = Path(__file__).resolve().parents[2]


def test_every_format_declares_a_mapping_and_required_content_from_real_model_columns() -> None:
    for name in FORMATS:
        mapping, required = declared(name)
        assert mapping and required, f"{name} declares no MAPPING or REQUIRED"
        for item in (*mapping, *required):
            split(item.source)  # raises for a column the model does not have
        for r in required:
            if r.among:
                split(f"{r.source.split('.')[0]}.{r.among}")


def test_the_committed_mapping_tables_are_regenerated_from_the_declarations() -> None:
    for name in FORMATS:
        committed = ROOT / "docs" / "exchange" / f"{name}.md"
        assert committed.is_file() and committed.read_text() == mapping_markdown(name), \
            f"run `python -m onconode.exchange.docs docs/exchange` ({committed.name} is stale)"


def test_coverage_is_the_share_of_rows_that_hold_each_required_column(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=8, seed=2, median_variants=5, freeze="F")
    with Store.open(home) as store:
        store.con.execute("UPDATE patient SET birth_year = NULL WHERE patient_id IN "
                          "(SELECT patient_id FROM patient ORDER BY 1 LIMIT 2)")
        cov = coverage(store.con, freeze_relations(store, store.resolve("F")))
    birth = next(i for i in cov["mds"] if i["source"] == "patient.birth_year")
    assert (birth["present"], birth["total"], birth["share_pct"]) == (6, 8, 75.0)
    hgvs = next(i for i in cov["phenopackets"] if i["source"] == "somatic_variant.hgvs_coding")
    with Store.open(home, read_only=True) as store:
        assert hgvs["total"] == store.con.execute("SELECT count(*) FROM somatic_variant WHERE reported").fetchone()[0]


def test_quality_reports_each_exports_required_content(frozen_home: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "onconode", "--home", str(frozen_home), "quality", "--freeze", "DR-1", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    exports = json.loads(run.stdout)["exports"]
    assert set(exports) == set(FORMATS)
    assert {"what": "subjects have a year of birth", "source": "patient.birth_year"}.items() <= exports["phenopackets"][1].items()
    text = subprocess.run([sys.executable, "-m", "onconode", "--home", str(frozen_home), "quality", "--freeze", "DR-1"],
                          capture_output=True, text=True, timeout=300).stdout
    assert "phenopackets: " in text and "of 12; patient.birth_year)" in text



def test_no_format_pulls_every_variant_of_a_freeze_into_python() -> None:
    """An export holds one patient at a time in Python; a patient has ~30,000 variants, so a
    format reads the variants it writes (READS: table -> SQL condition) and the rest are
    counted in its report. OMOP read them all: 408 s and 6.7 GB on the 2,000-patient demo."""
    for name in FORMATS:
        wanted = reads(name)
        assert wanted is not None, f"{name} declares no READS: it would be given every row of every table"
        for table in ("somatic_variant", "copy_number_segment", "sv_breakend"):
            assert wanted.get(table, "x") != "", f"{name} reads every row of {table}"
