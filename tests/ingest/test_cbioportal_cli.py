"""`onconode ingest cbioportal` end to end, as a data manager runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FULL = Path(__file__).resolve().parents[1] / "data" / "cbioportal" / "full"


def onconode(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from onconode.interfaces.cli.main import app; app()", "--home", str(home), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_init_ingest_and_stats_show_the_study(tmp_path: Path):
    home = tmp_path / "node"
    assert onconode(home, "init").returncode == 0
    done = onconode(home, "ingest", "cbioportal", str(FULL))
    assert done.returncode == 0, done.stderr
    assert "version 1" in done.stdout
    assert "GERMLINE" in done.stderr  # the skipped germline SV is a warning the data manager sees
    stats = json.loads(onconode(home, "stats", "--json").stdout)
    assert stats["version"] == 1
    assert {t: stats[t] for t in ("dataset", "patient", "sample", "tumor_profile", "somatic_variant", "gene_copy_number",
                                  "structural_variant", "fusion", "treatment", "treatment_drug")} == {
        "dataset": 1, "patient": 4, "sample": 5, "tumor_profile": 5, "somatic_variant": 25, "gene_copy_number": 13,
        "structural_variant": 4, "fusion": 2, "treatment": 5, "treatment_drug": 7,
    }


def test_a_broken_study_exits_2_with_located_problems_and_loads_nothing(tmp_path: Path):
    home = tmp_path / "node"
    assert onconode(home, "init").returncode == 0
    study = shutil.copytree(FULL, tmp_path / "study")
    cna = study / "data_cna.txt"
    cna.write_text(cna.read_text().replace("ERBB2\t2064\t2\t", "ERBB2\t2064\t5\t"))
    done = onconode(home, "ingest", "cbioportal", str(study), "--dataset", "national")
    assert done.returncode == 2
    assert "data_cna.txt:3: column FULL-P1-T1: error: '5' is not a discrete copy-number value" in done.stderr
    assert "nothing was loaded" in done.stderr
    assert json.loads(onconode(home, "stats", "--json").stdout)["version"] == 0
