"""The variants' text files of a release (release.variant_text: DuckDB's CSV writer and
string expressions on slices of rows in two threads, VCFs cut per sample, compressed and
indexed by htslib) hold exactly the bytes one DuckDB query over all rows gives: the TSV
and MAF as its CSV writer writes them, the VCF lines with every INFO string encoded."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from onconode.model import TABLES_BY_NAME, Kind
from onconode.release.variant_text import maf_sql, vcf_lines_sql, write_text

COLUMNS = TABLES_BY_NAME["somatic_variant"].column_names
AWKWARD = ["", "plain", "a b", "tab\there", 'say "hi"', "line\nbreak", "cr\rhere", "x;y=z,w%", "ünï", " lead", "trail "]


def awkward_variants(rows: int, seed: int, dictionary: bool) -> pa.Table:
    """Every column of somatic_variant with NULLs, awkward strings, floats of every size,
    booleans; strings dictionary-encoded (as the release snapshot gives them) or not."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    data: dict[str, pa.Array] = {}
    for c in TABLES_BY_NAME["somatic_variant"].columns:
        if c.name == "sample_id":
            values = [f"S{i * 3 // rows}" for i in range(rows)]
        elif c.name == "chromosome":
            values = [rng.choice(["1", "2", "X", "chrM"]) for _ in range(rows)]
        elif c.name in ("ref", "alt"):
            values = [rng.choice(["A", "C", "CT", "GAT", "Ñ", "ÑA", "AÑ", "N" * 30, "", "T"]) for _ in range(rows)]
        elif c.name == "position":
            data[c.name] = pa.array(gen.integers(1, 250_000_000, rows), pa.int64())
            continue
        elif c.kind == Kind.INT:
            data[c.name] = pa.array([None if rng.random() < 0.2 else rng.randint(-5, 10**12) for _ in range(rows)], pa.int64())
            continue
        elif c.kind == Kind.FLOAT:
            values = [None if rng.random() < 0.2 else rng.choice([round(rng.random(), 4), rng.random() * 10 ** rng.randint(-12, 20),
                                                                   float(rng.randint(0, 9)), 2.0 ** rng.randint(-60, 60), -0.0])
                      for _ in range(rows)]
            data[c.name] = pa.array(values, pa.float64())
            continue
        elif c.kind == Kind.BOOL:
            data[c.name] = pa.array([None if rng.random() < 0.2 else rng.random() < 0.5 for _ in range(rows)], pa.bool_())
            continue
        elif c.name == "filter":  # a line break in FILTER has no encoding in VCF: htslib refuses the file (below)
            values = [None if rng.random() < 0.2 else rng.choice([a for a in AWKWARD if "\n" not in a and "\r" not in a])
                      for _ in range(rows)]
        else:
            values = [None if rng.random() < 0.2 else rng.choice(AWKWARD) for _ in range(rows)]
        data[c.name] = pa.array(values, pa.string())
    table = pa.table(data).sort_by([("sample_id", "ascending"), ("chromosome", "ascending"), ("position", "ascending")])
    if dictionary:  # every string column but POS's neighbours REF / ALT, as the snapshot has them
        table = pa.table({name: col.dictionary_encode() if pa.types.is_string(col.type) and name not in ("ref", "alt") else col
                          for name, col in zip(table.column_names, table.columns)})
    return table


@pytest.mark.parametrize("dictionary", [False, True], ids=["plain", "dictionary"])
@pytest.mark.parametrize("columns", [COLUMNS, ["sample_id", "chromosome", "position", "ref", "alt", "gene", "vaf", "filter"],
                                     ["sample_id", "chromosome", "position", "ref", "alt"]], ids=["all", "some", "core"])
def test_tsv_and_vcf_text_are_the_bytes_duckdb_gave(tmp_path: Path, dictionary: bool, columns: list[str]):
    table = awkward_variants(3000, seed=len(columns), dictionary=dictionary).select(columns)
    con = duckdb.connect()
    con.register("rows", table)
    con.execute(f"COPY (SELECT * FROM rows) TO '{tmp_path / 'ref.tsv'}' (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')")
    con.execute(f"COPY ({maf_sql('SELECT * FROM rows', columns)}) TO '{tmp_path / 'ref.maf'}' "
                "(FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')")
    expected_vcf = "".join(con.execute(vcf_lines_sql("SELECT * FROM rows", columns)).fetchnumpy()["line"]).encode()

    counts = write_text(iter(table.to_batches(max_chunksize=700)), columns, tmp_path / "out.tsv", tmp_path / "out.maf",
                        tmp_path / "vcf", {}, ["PASS"])

    assert (tmp_path / "out.tsv").read_bytes() == (tmp_path / "ref.tsv").read_bytes()
    assert (tmp_path / "out.maf").read_bytes() == b"#version 2.4\n" + (tmp_path / "ref.maf").read_bytes()
    bodies = b"".join(b"".join(line for line in gzip.decompress((tmp_path / "vcf" / name).read_bytes()).splitlines(keepends=True)
                               if not line.startswith(b"#")) for name in sorted(counts))
    assert bodies == expected_vcf
    assert sum(counts.values()) == 3000


def test_info_values_with_reserved_characters_are_percent_encoded_and_others_left_as_they_are(tmp_path: Path):
    columns = ["sample_id", "chromosome", "position", "ref", "alt", "gene", "hgvs_protein", "vaf"]
    rows = pa.table({
        "sample_id": ["S1", "S1"], "chromosome": ["1", "2"], "position": pa.array([10, 20], pa.int64()),
        "ref": ["A", "C"], "alt": ["T", "G"], "gene": ["A B;C=D,E%F\tG\r\nH", "TP53"],
        "hgvs_protein": ["p.V600E", None], "vaf": [0.5, 0.25],
    })
    counts = write_text(iter(rows.to_batches()), columns, tmp_path / "v.tsv", tmp_path / "v.maf", tmp_path / "out", {"S1": "GRCh37"}, [])
    assert counts == {"S1.somatic.vcf.gz": 2}
    body = [line for line in gzip.decompress((tmp_path / "out" / "S1.somatic.vcf.gz").read_bytes()).decode().splitlines()
            if not line.startswith("#")]
    assert body == [
        "1\t10\t.\tA\tT\t.\t.\tGENE=A%20B%3BC%3DD%2CE%25F%09G%0D%0AH;HGVS_PROTEIN=p.V600E;VAF=0.5",
        "2\t20\t.\tC\tG\t.\t.\tGENE=TP53;VAF=0.25",
    ]


def test_a_variant_without_its_position_fails_with_a_clear_error(tmp_path: Path):
    rows = pa.table({"sample_id": ["S1"], "chromosome": ["1"], "position": pa.array([None], pa.int64()), "ref": ["A"], "alt": ["T"]})
    with pytest.raises(ValueError, match="lacks its chromosome, position, REF or ALT"):
        write_text(iter(rows.to_batches()), list(rows.column_names), tmp_path / "v.tsv", tmp_path / "v.maf", tmp_path / "out", {}, [])


def test_a_line_break_where_vcf_cannot_encode_it_fails_the_build_with_a_clear_error(tmp_path: Path):
    """INFO values are percent-encoded, but FILTER has no encoding: a record split in two
    by a line break would be a corrupt VCF, and htslib's indexer refuses it."""
    rows = pa.table({"sample_id": ["S1", "S1"], "chromosome": ["1", "1"], "position": pa.array([10, 20], pa.int64()),
                     "ref": ["A", "C"], "alt": ["T", "G"], "filter": ["PASS", "bad\nfilter"]})
    with pytest.raises(ValueError, match="tabix cannot index the VCF of sample S1"):
        write_text(iter(rows.to_batches()), list(rows.column_names), tmp_path / "v.tsv", tmp_path / "v.maf", tmp_path / "out", {}, [])
