"""informed_consents.tsv: the consent-form configuration per PIF version (Hartwig's layout,
patient-db ConsentConfigFactory) turns each patient's form answers into DUO consent rows;
germline use (DUO:0000038) only where the form consents to the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconode.analysis import germline
from onconode.ingest.ecrf import ingest_ecrf
from onconode.ingest.problems import IngestError
from onconode.store import Store

WIDE = ("wide_five_days.csv", "wide_biopsies.csv", "wide_avl_treatments.csv", "wide_pre_avl_treatments.csv", "wide_responses.csv")
ICDTC = '<ItemData ItemOID="FLD.INFORMEDCONSENT.ICDTC" Value="2012-02-17"/>'
PID = "CPCT02252500"


@pytest.fixture
def clinical(hmftools_fixtures: Path) -> Path:
    return hmftools_fixtures / "clinical"


def _link(folder: Path, clinical: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).symlink_to(clinical / name)
    return folder


def _consents(store: Store) -> list[tuple]:
    rel = store.relation_sql("consent", store.current_version)
    return sorted(store.con.execute(f"SELECT patient_id, duo_code, modifier FROM ({rel})").fetchall())


def _cpct(folder: Path, clinical: Path, **items: str) -> Path:
    """The CPCT fixture export with consent-form items added to its informed-consent form."""
    text = (clinical / "test_cpct_ecrf.xml").read_text(encoding="utf-8")
    added = "".join(f'<ItemData ItemOID="FLD.INFORMEDCONSENT.{oid}" Value="{value}"/>' for oid, value in items.items())
    assert ICDTC in text
    folder.mkdir(exist_ok=True)
    (folder / "test_cpct_ecrf.xml").write_text(text.replace(ICDTC, ICDTC + "\n" + added), encoding="utf-8")
    return _link(folder, clinical, "informed_consents.tsv")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line)


def test_a_form_consenting_to_the_database_but_not_outside_the_eu_gives_research_germline_and_an_eu_restriction(
        tmp_path, store, clinical):
    folder = _cpct(tmp_path / "export", clinical, AMCONS="1", PIF26HMF="ja", PIF26BUG="nee")
    report = ingest_ecrf(store, folder)
    assert _consents(store) == [(PID, "DUO:0000022", "EU"), (PID, "DUO:0000038", None), (PID, "DUO:0000042", None)]
    assert not [w for w in report.problems if "informed_consents.tsv" in w.file or "consent" in w.message]


def test_only_a_patient_whose_form_consents_to_the_database_counts_for_germline_analyses(tmp_path, store, clinical):
    ingest_ecrf(store, _cpct(tmp_path / "yes", clinical, AMCONS="1", PIF26HMF="ja"))
    assert germline.consented_patients(store.snapshot()).to_pyarrow().column("patient_id").to_pylist() == [PID]
    ingest_ecrf(store, _cpct(tmp_path / "unknown", clinical, AMCONS="9", PIF26HMF="ja"))   # re-run: the form version is unknown
    assert germline.consented_patients(store.snapshot()).to_pyarrow().num_rows == 0


def test_a_form_consenting_to_both_has_no_geographical_restriction(tmp_path, store, clinical):
    ingest_ecrf(store, _cpct(tmp_path / "export", clinical, AMCONS="2", PIF222="Yes", PIF221="yes"))
    assert _consents(store) == [(PID, "DUO:0000038", None), (PID, "DUO:0000042", None)]


def test_a_patient_who_declined_the_database_is_not_loaded_and_reported(tmp_path, store, clinical):
    folder = _cpct(tmp_path / "export", clinical, AMCONS="1", PIF26HMF="nee", PIF26BUG="nee")
    report = ingest_ecrf(store, folder)
    assert _consents(store) == []
    assert any(PID in w.message and "does not permit the database" in w.message and "PIF26HMF = 'nee'" in w.message
               for w in report.problems)


@pytest.mark.parametrize("items, where, says", [
    ({"AMCONS": "1", "PIF26HMF": "misschien"}, "PIF26HMF", "answer 'misschien' to FLD.INFORMEDCONSENT.PIF26HMF is not one of ja/nee"),
    ({"AMCONS": "7", "PIF26HMF": "ja"}, "AMCONS", "PIF version '7' is not in informed_consents.tsv"),
    ({"AMCONS": "3", "PIF26HMF": "ja"}, "AMCONS", "PIF version '3' is configured for cohort(s) WIDE, not CPCT"),
])
def test_an_unknown_form_version_or_answer_is_reported_where_it_is_and_loads_without_germline(
        tmp_path, store, clinical, items, where, says):
    folder = _cpct(tmp_path / "export", clinical, **items)
    report = ingest_ecrf(store, folder)
    assert _consents(store) == [(PID, "DUO:0000042", None)]
    [warning] = [w for w in report.problems if says in w.message]
    assert warning.file.endswith("test_cpct_ecrf.xml") and warning.column.endswith(f"FLD.INFORMEDCONSENT.{where}")
    assert warning.line == _line_of(folder / "test_cpct_ecrf.xml", f"FLD.INFORMEDCONSENT.{where}\"")
    assert "no germline use" in warning.message


def test_wide_patients_take_the_consent_of_their_cohorts_row(tmp_path, store, clinical):
    ingest_ecrf(store, _link(tmp_path / "export", clinical, *WIDE, "informed_consents.tsv"))
    assert _consents(store) == [("WIDE01018888", "DUO:0000038", None), ("WIDE01018888", "DUO:0000042", None)]


def test_without_the_file_the_default_consent_is_loaded_as_before(tmp_path, store, clinical):
    folder = _cpct(tmp_path / "export", clinical, AMCONS="1", PIF26HMF="ja")
    (folder / "informed_consents.tsv").unlink()
    ingest_ecrf(store, folder)
    assert _consents(store) == [(PID, "DUO:0000042", None)]


@pytest.mark.parametrize("content, line, column, says", [
    ("PIF version\tcohort\tinHMF\tconsent\n1\tCPCT\tyes\tyes\n", 1, "consent", "unknown column(s)"),
    ("PIF version\tinHMF\n1\tyes\n", 1, "cohort", "required column(s) missing"),
    ("PIF version\tcohort\tinHMF\toutsideEU\n1\tWIDE\tmaybe\tyes\n", 2, "inHMF", "'maybe' is neither yes nor no"),
    ("PIF version\tcohort\tinHMF\toutsideEU\n1\tWIDE\tyes\tyes\n1\tCPCT\tyes\tno\n", 3, "PIF version", "configured on line 2 too"),
    ("PIF version\tcohort\tinHMF\toutsideEU\tPIF26HMF\tPIF26HMFvalues\n1\tCPCT\t\t\tja\tyes/no\n", 2, "PIF26HMF",
     "the consenting answer 'ja' is not one of the question's answers yes/no"),
    ("PIF version\tcohort\n1\tCPCT\textra\n", 2, None, "3 fields where the header has 2"),
    ("PIF version\tcohort\n1\tCP\0CT\n", 2, "cohort", "a NUL byte"),
])
def test_a_wrong_consent_file_is_an_error_with_file_line_and_column_and_nothing_loads(
        tmp_path, store, clinical, content, line, column, says):
    folder = _link(tmp_path / "export", clinical, "test_cpct_ecrf.xml")
    (folder / "informed_consents.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        ingest_ecrf(store, folder)
    [problem] = [p for p in caught.value.problems if p.file.endswith("informed_consents.tsv")]
    assert (problem.line, problem.column) == (line, column) and says in problem.message
    assert store.current_version == 0


def test_the_consent_commands_in_the_guide_print_what_the_guide_shows(tmp_path, clinical):
    """docs/ingest-ecrf.md, "Informed consent": its commands, run in a shell as written."""
    import os
    import re
    import shlex
    import subprocess
    import sys

    guide = (Path(__file__).resolve().parents[2] / "docs" / "ingest-ecrf.md").read_text(encoding="utf-8")
    section = guide.split("## Informed consent", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    _link(tmp_path / "exports", clinical, *WIDE)
    onconode = f"{shlex.quote(sys.executable)} -m onconode"
    subprocess.run(f"{onconode} --home node init", shell=True, cwd=tmp_path, check=True, capture_output=True)
    for block in blocks:
        lines = block.strip().splitlines()
        commands = [line[2:] for line in lines if line.startswith("$ ")]
        shown = [line for line in lines if not line.startswith("$ ")]
        output = []
        for command in commands:
            done = subprocess.run(["bash", "-c", command.replace("onconode ", f"{onconode} ", 1)], cwd=tmp_path,
                                  capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "400"})
            output += [" ".join(line.split()) for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        assert sorted(output) == sorted(" ".join(line.split()) for line in shown)
