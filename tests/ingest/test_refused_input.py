"""Input every reader refuses, located, with nothing loaded: duplicated columns and NUL bytes.

These are classes of defect, so each is tried on every reader that can meet it.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.maf import ingest_maf
from onconode.ingest.phenopackets import ingest_phenopackets
from onconode.ingest.problems import IngestError, Problem
from onconode.ingest.vcf import ingest_vcf
from test_cbioportal_validation import broken_study, edit
from test_clinical import clinical_folder
from test_hmftools_support import read_text, replace_with_text, sample_folder
from test_maf import BRAF, COLUMNS, write_maf
from test_vcf import BRAF as VCF_BRAF
from test_vcf import write_vcf

from onconode.ingest.cbioportal import ingest_cbioportal

PHENOPACKETS = Path(__file__).resolve().parents[1] / "data" / "phenopackets"


def refused(store, ingest, *args, **kwargs) -> list[Problem]:
    """The problems of an ingest that must fail, after checking it loaded nothing."""
    before = store.current_version
    with pytest.raises(IngestError) as caught:
        ingest(store, *args, **kwargs)
    assert store.current_version == before
    return caught.value.problems


def one(problems: list[Problem], file: str, words: str) -> Problem:
    found = [p for p in problems if Path(p.file).name == file and words in p.message]
    assert found, f"no problem in {file} saying {words!r}; got:\n" + "\n".join(map(str, problems))
    return found[0]


# -- a column named twice ---------------------------------------------------------------------
def test_clinical_tsv_with_a_column_named_twice_is_refused_naming_both_positions(store, tmp_path):
    folder = clinical_folder(tmp_path, {"patients.tsv": [
        ("informed_consent_date\n", "informed_consent_date\tsex\n"), ("2019-02-25\n", "2019-02-25\tmale\n"), ("2020-01-10\n", "2020-01-10\tfemale\n"),
    ]})
    p = one(refused(store, ingest_clinical, folder), "patients.tsv", "appears 2 times")
    assert (p.line, p.column) == (1, "sex") and "columns 3 and 11" in p.message


def test_maf_with_a_column_named_twice_is_refused(store, tmp_path):
    path = tmp_path / "m.maf"
    path.write_text("\t".join(COLUMNS + ["Hugo_Symbol"]) + "\n" + "\t".join(BRAF + ["NRAS"]) + "\n")
    p = one(refused(store, ingest_maf, path, ref_genome=None), "m.maf", "appears 2 times")
    assert (p.line, p.column) == (1, "Hugo_Symbol") and "columns 1 and 17" in p.message


def test_hmftools_tsv_with_a_column_named_twice_is_refused(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "S", without={"purple_somatic_vcf"})
    text = read_text(next(folder.glob("*.purple.purity.tsv")))
    lines = text.splitlines()
    text = "\n".join([lines[0] + "\tpurity", *(line + "\t0.9" for line in lines[1:])]) + "\n"
    replace_with_text(folder, "purple_purity", text)
    p = one(refused(store, ingest_hmftools, folder, sample_id="S1T"), "tumor_sample.purple.purity.tsv", "appears 2 times")
    assert p.column == "purity" and p.line == 1


def test_cbioportal_clinical_file_with_an_attribute_twice_names_both_positions(store, tmp_path):
    study = broken_study(tmp_path, edit("data_clinical_sample.txt", "\tMSI_SCORE\n", "\tTUMOR_PURITY\n"))
    p = one(refused(store, ingest_cbioportal, study), "data_clinical_sample.txt", "appears 2 times")
    assert (p.line, p.column) == (5, "TUMOR_PURITY") and "columns 8 and 10" in p.message


# -- NUL bytes ---------------------------------------------------------------------------------
def test_clinical_tsv_with_a_nul_byte_is_refused_at_its_line_and_column(store, tmp_path):
    folder = clinical_folder(tmp_path, {"biopsies.tsv": [("segment 7", "segm\x00ent 7")]})
    p = one(refused(store, ingest_clinical, folder), "biopsies.tsv", "NUL byte")
    assert (p.line, p.column) == (2, "biopsy_location")


def test_maf_with_a_nul_byte_is_refused_at_its_line_and_column(store, tmp_path):
    row = list(BRAF)
    row[COLUMNS.index("HGVSp_Short")] = "p.V6\x0000E"
    p = one(refused(store, ingest_maf, write_maf(tmp_path / "m.maf", [row]), ref_genome=None), "m.maf", "NUL byte")
    assert (p.line, p.column) == (3, "HGVSp_Short")


@pytest.mark.parametrize("engine_field", ["PASS", "IMPACT=BRAF"], ids=["filter", "info"])
def test_vcf_with_a_nul_byte_is_refused_at_its_line(store, tmp_path, engine_field):
    path = write_vcf(tmp_path / "n.vcf.gz", VCF_BRAF.replace(engine_field, engine_field[:2] + "\x00" + engine_field[2:]))
    p = one(refused(store, ingest_vcf, path, sample_id="S1", tumor=None, ref_genome="GRCh37"), "n.vcf.gz", "NUL byte")
    assert p.line == 17 and p.column in ("FILTER", "INFO")


def test_vcf_header_with_a_nul_byte_is_refused(store, tmp_path):
    from test_vcf import HEADER

    path = write_vcf(tmp_path / "h.vcf.gz", VCF_BRAF, header=HEADER.replace("Genotype", "Geno\x00type"))
    p = one(refused(store, ingest_vcf, path, sample_id="S1", tumor=None, ref_genome="GRCh37"), "h.vcf.gz", "NUL byte")
    assert p.line == 7


def test_cbioportal_clinical_file_with_a_nul_byte_is_refused(store, tmp_path):
    study = broken_study(tmp_path, edit("data_clinical_sample.txt", "\t0.62\t", "\t0.6\x002\t"))
    p = one(refused(store, ingest_cbioportal, study), "data_clinical_sample.txt", "NUL byte")
    assert (p.line, p.column) == (6, "TUMOR_PURITY")


def test_cbioportal_cna_matrix_with_a_nul_byte_is_refused(store, tmp_path):
    study = broken_study(tmp_path, edit("data_cna.txt", "ERBB2\t2064\t2\t", "ERB\x00B2\t2064\t2\t"))
    p = one(refused(store, ingest_cbioportal, study), "data_cna.txt", "NUL byte")
    assert (p.line, p.column) == (3, "Hugo_Symbol")


def test_hmftools_sv_vcf_with_a_nul_byte_is_refused(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "S", without={"purple_somatic_vcf"})
    text = read_text(next(folder.glob("*.purple.sv.vcf.gz")))
    at = text.index("\tPASS\t")
    replace_with_text(folder, "purple_sv_vcf", text[:at] + "\tPA\x00SS\t" + text[at + 6:], gz=True)
    p = one(refused(store, ingest_hmftools, folder, sample_id="S1T"), "tumor_sample.purple.sv.vcf.gz", "NUL byte")
    assert p.line == text[:at].count("\n") + 1


def test_phenopacket_with_a_nul_character_in_a_string_is_refused_at_its_field(store, tmp_path):
    packet = json.loads((PHENOPACKETS / "melanoma_braf.json").read_text())
    packet["subject"]["id"] = packet["subject"]["id"] + "\x00"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(packet))
    p = one(refused(store, ingest_phenopackets, path, dataset="META"), "p.json", "NUL")
    assert p.column == "subject.id"


def test_orange_json_with_a_nul_character_is_refused(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "S"
    folder.mkdir()
    data = json.loads((hmftools_fixtures / "orange" / "real.orange.json").read_text())
    data["refGenomeVersion"] = data["refGenomeVersion"] + "\x00"
    (folder / "tumor_sample.orange.json").write_text(json.dumps(data))
    p = one(refused(store, ingest_hmftools, folder, sample_id="S1T"), "tumor_sample.orange.json", "NUL")
    assert p.column == "refGenomeVersion"


def test_a_gzipped_tsv_with_a_nul_byte_is_refused_like_a_plain_one(store, tmp_path):
    path = tmp_path / "m.maf.gz"
    row = list(BRAF)
    row[COLUMNS.index("Hugo_Symbol")] = "BR\x00AF"
    path.write_bytes(gzip.compress(("\t".join(COLUMNS) + "\n" + "\t".join(row) + "\n").encode()))
    p = one(refused(store, ingest_maf, path, ref_genome=None), "m.maf.gz", "NUL byte")
    assert (p.line, p.column) == (2, "Hugo_Symbol")


# -- JSON nested beyond any record ---------------------------------------------------------------
@pytest.mark.parametrize("body", ['{"subject": ' + "[" * 200_000 + "]" * 200_000 + "}", '{"a":' * 200_000 + "1" + "}" * 200_000],
                         ids=["arrays", "objects"])
def test_a_phenopacket_nested_200k_deep_is_refused_with_where_it_goes_too_deep(store, tmp_path, body):
    path = tmp_path / "deep.json"
    path.write_text(body)
    p = one(refused(store, ingest_phenopackets, path, dataset="META"), "deep.json", "nests deeper than 64 levels")
    assert p.line == 1 and p.column is not None and p.column.startswith("character ")


def test_an_orange_record_nested_200k_deep_is_refused(store, tmp_path):
    folder = tmp_path / "S"
    folder.mkdir()
    (folder / "tumor_sample.orange.json").write_text('{"refGenomeVersion": "V37", "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    one(refused(store, ingest_hmftools, folder, sample_id="S1T"), "tumor_sample.orange.json", "nests deeper than 64 levels")


def test_brackets_inside_json_strings_do_not_count_as_depth(store, tmp_path):
    packet = json.loads((PHENOPACKETS / "melanoma_braf.json").read_text())
    packet["metaData"]["createdBy"] = "[" * 500 + '\\"{' * 100
    path = tmp_path / "p.json"
    path.write_text(json.dumps(packet))
    report = ingest_phenopackets(store, path, dataset="META")
    assert report.rows["patient"] == 1


def test_cbioportal_meta_file_with_a_nul_byte_is_refused_at_its_key(store, tmp_path):
    study = broken_study(tmp_path, edit("meta_study.txt", "name: onconode full test study", "name: onconode full\x00 test study"))
    p = one(refused(store, ingest_cbioportal, study), "meta_study.txt", "NUL byte")
    assert p.column == "name"


def test_purple_qc_with_a_nul_byte_is_refused(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "S", without={"purple_somatic_vcf"})
    text = read_text(next(folder.glob("*.purple.qc")))
    replace_with_text(folder, "purple_qc", text.replace("QCStatus\t", "QCSta\x00tus\t"))
    p = one(refused(store, ingest_hmftools, folder, sample_id="S1T"), "tumor_sample.purple.qc", "NUL byte")
    assert p.column == "key"


# -- a MAF that names no genes ------------------------------------------------------------------
def test_a_maf_without_hugo_symbol_is_refused_with_what_to_add(store, tmp_path):
    keep = [i for i, c in enumerate(COLUMNS) if c != "Hugo_Symbol"]
    path = tmp_path / "m.maf"
    path.write_text("\t".join(COLUMNS[i] for i in keep) + "\n" + "\t".join(BRAF[i] for i in keep) + "\n")
    p = one(refused(store, ingest_maf, path, ref_genome=None), "m.maf", "required column(s) missing")
    assert (p.line, p.column) == (1, "Hugo_Symbol") and "Hugo_Symbol" in p.hint


def test_maf_rows_without_a_gene_load_with_a_warning_that_counts_them(store, tmp_path):
    row = list(BRAF)
    row[COLUMNS.index("Hugo_Symbol")] = ""
    report = ingest_maf(store, write_maf(tmp_path / "m.maf", [row]), ref_genome=None)
    assert any("1 of 1 mutation(s) name no gene" in p.message for p in report.problems)


def test_a_maf_row_without_a_sample_is_a_located_problem_not_a_store_error(store, tmp_path):
    row = list(BRAF)
    row[COLUMNS.index("Tumor_Sample_Barcode")] = ""
    p = one(refused(store, ingest_maf, write_maf(tmp_path / "m.maf", [row]), ref_genome=None), "m.maf", "names no sample")
    assert (p.line, p.column) == (3, "Tumor_Sample_Barcode")


def test_a_phenopacket_with_a_key_given_twice_is_refused_naming_the_key(store, tmp_path):
    text = (PHENOPACKETS / "melanoma_braf.json").read_text()
    path = tmp_path / "p.json"
    path.write_text(text.replace('"vitalStatus": {"status": "ALIVE"}', '"vitalStatus": {"status": "ALIVE", "status": "DECEASED"}', 1))
    assert path.read_text() != text
    p = one(refused(store, ingest_phenopackets, path, dataset="META"), "p.json", "appears twice in one JSON object")
    assert p.column == "status"


def test_cbioportal_cna_matrix_with_a_gene_column_twice_is_refused(store, tmp_path):
    def twice(study: Path) -> None:
        path = study / "data_cna.txt"
        lines = path.read_text().splitlines()
        lines = ["Hugo_Symbol\t" + lines[0]] + [line.split("\t")[0] + "\t" + line for line in lines[1:]]
        path.write_text("\n".join(lines) + "\n")

    p = one(refused(store, ingest_cbioportal, broken_study(tmp_path, twice)), "data_cna.txt", "appears 2 times")
    assert (p.line, p.column) == (1, "Hugo_Symbol") and "columns 1 and 2" in p.message


def test_cbioportal_meta_field_given_twice_with_different_values_is_refused(store, tmp_path):
    study = broken_study(tmp_path, edit("meta_cna.txt", "data_filename: data_cna.txt", "data_filename: data_cna.txt\ndata_filename: other.txt"))
    p = one(refused(store, ingest_cbioportal, study), "meta_cna.txt", "given twice with different values")
    assert (p.line, p.column) == (9, "data_filename")
