"""Fuzzing each hmftools parser: random bytes and mutated real files never crash a reader —
the only exception that ever escapes is IngestError, carrying located problems."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconode.ingest.hmftools import chord, linx, orange, purple, sv_vcf
from onconode.ingest.problems import IngestError, Problems
from test_hmftools_support import fixture_files, read_text

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PARSERS = {
    "purple_purity": lambda p, pr: purple.read_purity(p, pr),
    "purple_qc": lambda p, pr: purple.read_qc(p, pr),
    "purple_cnv_somatic": lambda p, pr: purple.read_segments(p, pr, "GRCh37"),
    "purple_cnv_gene": lambda p, pr: purple.read_gene_copy_numbers(p, pr, "GRCh37", 3.1),
    "purple_driver_somatic": lambda p, pr: purple.merge_drivers(pr, [(p, purple.read_driver_catalog(p, pr, "GRCh37", False))]),
    "linx_svs": lambda p, pr: linx.read_svs(p, pr, "GRCh37"),
    "linx_breakend": lambda p, pr: linx.read_breakends(p, pr),
    "linx_fusion": lambda p, pr: linx.read_fusions(p, pr, {}),
    "chord": lambda p, pr: chord.read_chord(p, pr),
    "orange": lambda p, pr: (orange.read_ref_genome(p, pr), orange.read_orange(p, pr, "GRCh37")),
    "purple_sv_vcf": lambda p, pr: _sv_vcf(p, pr),
}


def _sv_vcf(path: Path, problems: Problems) -> None:
    header = sv_vcf.read_header(path, problems)
    if header is not None:
        sv_vcf.pair_svs(path, problems, sv_vcf.read_breakends(path, problems, header, header.ref_genome or "GRCh37"))


def run_parser(kind: str, data: bytes, name: str) -> None:
    """Parse `data` as a file of `kind`; anything but IngestError fails the test."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        problems = Problems()
        try:
            PARSERS[kind](path, problems)
            problems.raise_if_errors()
        except IngestError as exc:
            assert exc.problems and all(p.file == str(path) for p in exc.problems)


@st.composite
def mutated(draw, text: str) -> bytes:
    """The real file with a few lines edited: a field replaced, a line cut, bytes inserted."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["field", "cut", "insert", "drop", "duplicate"]))
        if action == "field":
            fields = lines[i].split("\t")
            j = draw(st.integers(0, len(fields) - 1))
            fields[j] = draw(st.text(max_size=12))
            lines[i] = "\t".join(fields)
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, max(len(lines[i]) - 1, 0)))]
        elif action == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        elif action == "drop" and len(lines) > 1:
            del lines[i]
        else:
            lines.insert(i, lines[i])
    data = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _source(hmf: Path, kind: str) -> tuple[str, str, bool]:
    if kind == "orange":
        path = hmf / "orange" / "minimally.populated.orange.json"
    else:
        path = fixture_files(hmf)[kind]
    return read_text(path), path.name, path.name.endswith(".gz")


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_only_ever_give_located_problems(hmftools_fixtures, kind, data):
    _, name, gz = _source(hmftools_fixtures, kind)
    run_parser(kind, gzip.compress(data) if gz and data[:1] == b"g" else data, name)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_mutated_real_files_only_ever_give_located_problems(hmftools_fixtures, kind, data):
    text, name, gz = _source(hmftools_fixtures, kind)
    if kind == "purple_sv_vcf":  # keep the header, mutate the first records (the file has 916)
        head = [l for l in text.splitlines() if l.startswith("#")]
        body = [l for l in text.splitlines() if not l.startswith("#")][:30]
        text = "\n".join(head + body)
    raw = data.draw(mutated(text))
    run_parser(kind, gzip.compress(raw) if gz else raw, name)
