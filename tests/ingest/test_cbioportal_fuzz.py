"""Whatever bytes a clinical or CNA file holds, the readers answer with problems, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from onconode.ingest.cbioportal.clinical import read_clinical
from onconode.ingest.cbioportal.cna import read_cna_long, read_cna_matrix
from onconode.ingest.problems import IngestError, Problems

# Pieces real files are made of, so the fuzzer reaches deep into the parsers, plus noise.
TOKENS = st.sampled_from([
    "#", "#STRING", "#NUMBER", "#BOOLEAN", "#1", "-1", "PATIENT_ID", "SAMPLE_ID", "OS_STATUS", "OS_MONTHS", "AGE",
    "Hugo_Symbol", "Entrez_Gene_Id", "Sample_Id", "Value", "S1", "S2", "P1", "TP53", "-2", "-1.5", "0", "1", "2", "NA",
    "[not available]", "1:DECEASED", "0:LIVING", ">89", "TRUE", "x y", "", "é", "1e400", "nan",
])
LINE = st.lists(st.one_of(TOKENS, st.text(max_size=6)), max_size=7).map("\t".join)
TEXT = st.lists(LINE, max_size=9).map("\n".join)
CONTENT = st.one_of(TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200))


def run(reader, content: bytes, *args) -> Problems:
    problems = Problems()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.txt"
        path.write_bytes(content)
        reader(path, *args, problems)
    try:
        problems.raise_if_errors()
    except IngestError as exc:
        assert exc.problems and all(p.file.endswith("data.txt") for p in exc.problems)
    return problems


@settings(max_examples=300, deadline=None)
@given(content=CONTENT, level=st.sampled_from(["patient", "sample"]))
def test_clinical_reader_only_reports_problems(content: bytes, level: str):
    run(read_clinical, content, level)


@settings(max_examples=300, deadline=None)
@given(content=CONTENT, known=st.none() | st.just({"S1", "S2"}))
def test_cna_matrix_reader_only_reports_problems(content: bytes, known):
    run(read_cna_matrix, content, known)


@settings(max_examples=300, deadline=None)
@given(content=CONTENT, known=st.none() | st.just({"S1", "S2"}))
def test_cna_long_reader_only_reports_problems(content: bytes, known):
    run(read_cna_long, content, known)
