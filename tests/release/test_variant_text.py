"""The variants' text files of a release (release.variant_text, written by DuckDB's CSV
writer and string expressions, compressed and indexed by htslib) hold exactly the bytes
of the reference queries below, the release's contract since before the C formatter
(release/_text.c, now gone) and while it stood."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from onconode.model import TABLES_BY_NAME, Kind
from onconode.release.variant_text import MAF_OPTIONAL, info_columns, write_text

COLUMNS = TABLES_BY_NAME["somatic_variant"].column_names
INFO_RESERVED = (("%", "%25"), (";", "%3B"), ("=", "%3D"), (" ", "%20"), (",", "%2C"), ("\t", "%09"), ("\r", "%0D"), ("\n", "%0A"))
AWKWARD = ["", "plain", "a b", "tab\there", 'say "hi"', "line\nbreak", "cr\rhere", "x;y=z,w%", "ünï", " lead", "trail "]


def _q(name: str) -> str:
    return '"' + name + '"'


def reference_vcf_lines(rows_sql: str, columns: list[str]) -> str:
    """The VCF lines as DuckDB wrote them before the C formatter."""
    parts = []
    for c in TABLES_BY_NAME["somatic_variant"].columns:
        if c.name not in info_columns(columns):
            continue
        key = c.name.upper()
        if c.kind == Kind.BOOL:
            parts.append(f"CASE WHEN t.{_q(c.name)} THEN '{key}' END")
        elif c.kind in (Kind.INT, Kind.FLOAT):
            parts.append(f"'{key}=' || CAST(t.{_q(c.name)} AS VARCHAR)")
        else:
            enc = f"t.{_q(c.name)}"
            for ch, code in INFO_RESERVED:
                enc = f"replace({enc}, '{ch}', '{code}')"
            parts.append(f"'{key}=' || {enc}")
    info = f"coalesce(nullif(concat_ws(';', {', '.join(parts)}), ''), '.')" if parts else "'.'"
    filt = "coalesce(t.filter, '.')" if "filter" in columns else "'.'"
    return (f"SELECT t.chromosome || chr(9) || CAST(t.position AS VARCHAR) || chr(9) || '.' || chr(9) || t.ref || chr(9) "
            f"|| t.alt || chr(9) || '.' || chr(9) || {filt} || chr(9) || {info} || chr(10) AS line FROM ({rows_sql}) t")


def reference_maf(rows_sql: str, columns: list[str]) -> str:
    """The MAF rows as DuckDB wrote them before the C formatter."""
    optional = [f"t.{_q(c)} AS {name}" for c, name in MAF_OPTIONAL if c in columns]
    return f"""
    WITH v AS (
      SELECT t.*, length(t.ref) AS lr, length(t.alt) AS la,
             lr <> la AND lr >= 1 AND la >= 1 AND substr(t.ref, 1, 1) = substr(t.alt, 1, 1) AS padded
      FROM ({rows_sql}) t)
    SELECT t.sample_id AS Tumor_Sample_Barcode, t.chromosome AS Chromosome,
      CASE WHEN t.padded AND t.la > t.lr THEN t.position WHEN t.padded THEN t.position + 1 ELSE t.position END AS Start_Position,
      CASE WHEN t.padded AND t.la > t.lr THEN t.position + 1 WHEN t.padded THEN t.position + t.lr - 1 ELSE t.position + t.lr - 1 END AS End_Position,
      '+' AS Strand,
      CASE WHEN t.lr = t.la THEN (CASE t.lr WHEN 1 THEN 'SNP' WHEN 2 THEN 'DNP' WHEN 3 THEN 'TNP' ELSE 'ONP' END)
           WHEN t.la > t.lr THEN 'INS' ELSE 'DEL' END AS Variant_Type,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.ref, 2), ''), '-') ELSE t.ref END AS Reference_Allele,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.ref, 2), ''), '-') ELSE t.ref END AS Tumor_Seq_Allele1,
      CASE WHEN t.padded THEN coalesce(nullif(substr(t.alt, 2), ''), '-') ELSE t.alt END AS Tumor_Seq_Allele2
      {''.join(', ' + o for o in optional)}
    FROM v t
    """


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
    con.execute(f"COPY ({reference_maf('SELECT * FROM rows', columns)}) TO '{tmp_path / 'ref.maf'}' "
                "(FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')")
    expected_vcf = "".join(con.execute(reference_vcf_lines("SELECT * FROM rows", columns)).fetchnumpy()["line"]).encode()

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
