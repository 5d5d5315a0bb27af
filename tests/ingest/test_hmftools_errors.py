"""Bad hmftools input: every problem of every file is reported together, located at
file:line:column with what to do, and nothing is loaded."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.problems import IngestError
from test_hmftools_support import fixture_files, read_text, replace_with_text, sample_folder


def problems_of(store, folder: Path, **options) -> list:
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, folder, **options)
    return caught.value.problems


def edit_line(text: str, line_no: int, column: str, value: str) -> str:
    """The TSV text with one field (by header name) of one 1-based line replaced."""
    lines = text.splitlines()
    header = lines[0].split("\t")
    fields = lines[line_no - 1].split("\t")
    fields[header.index(column)] = value
    lines[line_no - 1] = "\t".join(fields)
    return "\n".join(lines) + "\n"


@pytest.fixture
def colo829(hmftools_fixtures: Path, tmp_path: Path) -> Path:
    return sample_folder(hmftools_fixtures, tmp_path / "COLO829", without={"purple_somatic_vcf"})


def test_a_corrupted_sample_reports_every_problem_and_leaves_the_store_unchanged(store, hmftools_fixtures, colo829, tmp_path):
    ingest_hmftools(store, colo829, sample_id="COLO829T")
    before, version = store.counts(), store.current_version

    bad = sample_folder(hmftools_fixtures, tmp_path / "bad", without={"purple_somatic_vcf"})
    files = fixture_files(hmftools_fixtures)
    replace_with_text(bad, "purple_purity", edit_line(read_text(files["purple_purity"]), 2, "purity", "abc"))
    segments = edit_line(read_text(files["purple_cnv_somatic"]), 5, "chromosome", "99")
    segments = edit_line(segments, 10, "start", "ten")
    replace_with_text(bad, "purple_cnv_somatic", segments)
    replace_with_text(bad, "purple_driver_somatic", edit_line(read_text(files["purple_driver_somatic"]), 3, "driver", "SUPERDRIVER"))
    fusion_lines = read_text(files["linx_fusion"]).splitlines()
    fusion_lines[4] = fusion_lines[4].rsplit("\t", 3)[0]  # a line cut short
    replace_with_text(bad, "linx_fusion", "\n".join(fusion_lines) + "\n")

    problems = problems_of(store, bad, sample_id="COLO829T")
    where = {(Path(p.file).name, p.line, p.column) for p in problems}
    assert ("tumor_sample.purple.purity.tsv", 2, "purity") in where
    assert ("tumor_sample.purple.cnv.somatic.tsv", 5, "chromosome") in where
    assert ("tumor_sample.purple.cnv.somatic.tsv", 10, "start") in where
    assert ("tumor_sample.purple.driver.catalog.somatic.tsv", 3, "driver") in where
    assert ("tumor_sample.linx.fusion.tsv", 5, None) in where
    assert all(p.hint for p in problems)
    text = "\n".join(str(p) for p in problems)
    assert "'abc' is not a float" in text and "'SUPERDRIVER' is not an allowed value" in text
    assert "contig '99' is not a chromosome of GRCh37" in text
    assert store.counts() == before and store.current_version == version


def test_purity_above_one_is_refused(store, hmftools_fixtures, colo829):
    replace_with_text(colo829, "purple_purity", edit_line(read_text(fixture_files(hmftools_fixtures)["purple_purity"]), 2, "purity", "1.5"))
    [p] = problems_of(store, colo829)
    assert (p.line, p.column) == (2, "purity") and "above the maximum 1" in p.message


def test_unknown_code_in_purity_status_columns(store, hmftools_fixtures, colo829):
    text = edit_line(read_text(fixture_files(hmftools_fixtures)["purple_purity"]), 2, "msStatus", "MAYBE")
    replace_with_text(colo829, "purple_purity", edit_line(text, 2, "status", "GUESSED"))
    assert {p.column for p in problems_of(store, colo829)} == {"msStatus", "status"}


def test_missing_required_column_names_it(store, hmftools_fixtures, colo829):
    lines = read_text(fixture_files(hmftools_fixtures)["purple_cnv_somatic"]).splitlines()
    lines[0] = lines[0].replace("copyNumber\t", "cn\t", 1)
    replace_with_text(colo829, "purple_cnv_somatic", "\n".join(lines) + "\n")
    [p] = problems_of(store, colo829)
    assert (p.line, p.column) == (1, "cn, copyNumber")
    assert "unknown column(s) cn; missing column(s) copyNumber" in p.message and "PURPLE 4.1-4.5" in p.message


@pytest.mark.parametrize(("kind", "message"), [
    ("purple_purity", "no header line"),
    ("purple_qc", "empty"),
    ("linx_svs", "no header line"),
    ("chord", "no header line"),
])
def test_empty_files_are_problems(store, colo829, kind, message):
    path = replace_with_text(colo829, kind, "")
    problems = problems_of(store, colo829)
    assert any(Path(p.file) == path and message in p.message for p in problems)


def test_purity_file_with_header_only(store, hmftools_fixtures, colo829):
    header = read_text(fixture_files(hmftools_fixtures)["purple_purity"]).splitlines()[0]
    replace_with_text(colo829, "purple_purity", header + "\n")
    [p] = problems_of(store, colo829)
    assert "no fit row" in p.message


def test_truncated_sv_vcf(store, hmftools_fixtures, colo829):
    raw = gzip.compress(read_text(fixture_files(hmftools_fixtures)["purple_sv_vcf"]).encode())
    path = next(colo829.glob("*.purple.sv.vcf.gz"))
    path.unlink()
    path.write_bytes(raw[: len(raw) // 2])
    problems = problems_of(store, colo829)
    assert any(Path(p.file) == path and "truncated or corrupt" in p.message and p.line for p in problems)
    assert store.current_version == 0


def test_sv_vcf_breakend_whose_mate_is_missing(store, hmftools_fixtures, tmp_path):
    colo829 = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "purple_sv_vcf"})
    lines = read_text(fixture_files(hmftools_fixtures)["purple_sv_vcf"]).splitlines()
    pass_index = next(i for i, l in enumerate(lines) if not l.startswith("#") and l.split("\t")[6] == "PASS" and "MATEID=" in l)
    mate = lines[pass_index].split("MATEID=")[1].split(";")[0]
    mate_index = next(i for i, l in enumerate(lines) if not l.startswith("#") and l.split("\t")[2] == mate)
    del lines[mate_index]
    replace_with_text(colo829, "purple_sv_vcf", "\n".join(lines) + "\n", gz=True)
    problems = problems_of(store, colo829)
    assert any(f"mate {mate}" in p.message and p.column == "INFO/MATEID" and p.line == pass_index + 1 for p in problems)


def test_orange_with_invalid_json_is_located(store, tmp_path):
    path = tmp_path / "S.orange.json"
    path.write_text('{\n  "sampleId": "S",\n  "refGenomeVersion": "V37",\n  "purple": {,\n}\n')
    [p] = problems_of(store, path)
    assert p.line == 4 and "not valid JSON" in p.message


def test_orange_with_unknown_reference_genome(store, hmftools_fixtures, tmp_path):
    path = tmp_path / "S.orange.json"
    path.write_text((hmftools_fixtures / "orange" / "real.orange.json").read_text().replace('"V37"', '"V99"'))
    problems = problems_of(store, path)
    assert any(p.column == "refGenomeVersion" and "'V99'" in p.message for p in problems)


def test_orange_bad_values_are_located_by_json_path(store, hmftools_fixtures, tmp_path):
    path = tmp_path / "S.orange.json"
    text = (hmftools_fixtures / "orange" / "real.orange.json").read_text()
    path.write_text(text.replace('"purity": 0.99', '"purity": 7').replace('"position": 198266779', '"position": 998266779'))
    columns = {p.column for p in problems_of(store, path)}
    assert {"purple.fit.purity", "purple.somaticVariants[0].position"} <= columns


def test_two_files_of_one_kind_for_a_sample(store, hmftools_fixtures, colo829):
    (colo829 / "TUMOR_SAMPLE.purple.cnv.gene.tsv").symlink_to(fixture_files(hmftools_fixtures)["purple_cnv_gene"])
    [p] = problems_of(store, colo829)
    assert "2 .purple.cnv.gene.tsv files" in p.message


def test_one_bad_sample_in_a_batch_loads_nothing(store, hmftools_fixtures, tmp_path):
    for name in ("S1T", "S2T"):
        sample_folder(hmftools_fixtures, tmp_path / "batch" / name, prefix=name, without={"purple_somatic_vcf"})
    replace_with_text(tmp_path / "batch" / "S2T", "chord", "sample\tp_hrd\thr_status\nS2T\t0.2\tHR_confused\n")
    problems = problems_of(store, tmp_path / "batch")
    assert [(Path(p.file).name, p.line, p.column) for p in problems] == [("S2T.chord.prediction.tsv", 2, "hr_status")]
    assert sum(store.counts().values()) == 0


def test_unknown_gene_symbols_are_a_warning_not_an_error(store, hmftools_fixtures, colo829):
    text = edit_line(read_text(fixture_files(hmftools_fixtures)["linx_driver_catalog"]), 2, "gene", "NOTAGENE1")
    replace_with_text(colo829, "linx_driver_catalog", text)
    report = ingest_hmftools(store, colo829)
    assert any("NOTAGENE1" in p.message and p.severity == "warning" for p in report.problems)


def test_paths_and_samples_that_do_not_exist(store, colo829, tmp_path):
    assert "no such file" in problems_of(store, tmp_path / "nowhere")[0].message
    assert "no files of sample 'OTHER'" in problems_of(store, colo829, sample="OTHER")[0].message
    (tmp_path / "empty").mkdir()
    assert "no hmftools files found" in problems_of(store, tmp_path / "empty")[0].message
