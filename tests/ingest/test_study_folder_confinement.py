"""A cBioPortal study reads only files inside its folder: data_filename with '..', an absolute path or
a symbolic link out of the folder is refused at the meta file's line, and nothing is read or loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.problems import IngestError
from test_cbioportal_validation import broken_study, edit


def refused(store, study: Path) -> list:
    with pytest.raises(IngestError) as caught:
        ingest_cbioportal(store, study)
    assert store.current_version == 0 and sum(store.counts().values()) == 0
    return caught.value.problems


def secret(tmp_path: Path) -> Path:
    """A file outside the study that is a valid CNA matrix, so reading it would load it without complaint."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    path = outside / "private_cna.txt"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "cbioportal" / "full" / "data_cna.txt", path)
    return path


@pytest.mark.parametrize("name, words", [
    ("../elsewhere/private_cna.txt", "climbs out of the study folder with '..'"),
    ("../../../../../../etc/passwd", "climbs out of the study folder with '..'"),
    ("/etc/passwd", "is an absolute path"),
    ("ABSOLUTE", "is an absolute path"),
])
def test_data_filename_outside_the_study_folder_is_refused_at_its_line(store, tmp_path, name, words):
    path = secret(tmp_path)
    study = broken_study(tmp_path, edit("meta_cna.txt", "data_filename: data_cna.txt", f"data_filename: {str(path) if name == 'ABSOLUTE' else name}"))
    problems = refused(store, study)
    found = [p for p in problems if p.file.endswith("meta_cna.txt") and words in p.message]
    assert found and (found[0].line, found[0].column) == (8, "data_filename"), "\n".join(map(str, problems))
    assert not any("private_cna" in p.file or "passwd" in p.file for p in problems)  # never opened


def test_a_data_file_that_is_a_symbolic_link_out_of_the_study_is_refused(store, tmp_path):
    path = secret(tmp_path)

    def link(study: Path) -> None:
        (study / "data_cna.txt").unlink()
        (study / "data_cna.txt").symlink_to(path)

    problems = refused(store, broken_study(tmp_path, link))
    found = [p for p in problems if p.file.endswith("meta_cna.txt") and "symbolic link" in p.message]
    assert found and found[0].column == "data_filename"


def test_a_meta_file_that_is_a_symbolic_link_out_of_the_study_is_refused(store, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def link(study: Path) -> None:
        shutil.move(study / "meta_cna.txt", outside / "meta_cna.txt")
        (study / "meta_cna.txt").symlink_to(outside / "meta_cna.txt")

    problems = refused(store, broken_study(tmp_path, link))
    assert any(p.file.endswith("meta_cna.txt") and "symbolic link" in p.message for p in problems)


def test_a_case_list_that_is_a_symbolic_link_out_of_the_study_is_refused(store, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def link(study: Path) -> None:
        shutil.move(study / "case_lists" / "cases_sv.txt", outside / "cases_sv.txt")
        (study / "case_lists" / "cases_sv.txt").symlink_to(outside / "cases_sv.txt")

    problems = refused(store, broken_study(tmp_path, link))
    assert any(p.file.endswith("cases_sv.txt") and "symbolic link" in p.message for p in problems)


def test_a_symbolic_link_that_stays_inside_the_study_is_fine(store, tmp_path):
    def link(study: Path) -> None:
        (study / "data").mkdir()
        shutil.move(study / "data_cna.txt", study / "data" / "cna.txt")
        (study / "data_cna.txt").symlink_to(study / "data" / "cna.txt")

    report = ingest_cbioportal(store, broken_study(tmp_path, link))
    assert report.rows["gene_copy_number"] > 0
