"""The reference every synthetic genome is drawn against, and the Arrow helpers that turn
integer codes into model columns without touching Python strings per row.

GRCh37 is laid out on one linear axis (chromosome offsets), so a variant's chromosome,
gene and copy-number segment are each one `searchsorted` instead of a loop per chromosome.
String columns are built as dictionary arrays (codes into a small vocabulary) and cast
once, which is what makes generation run at millions of rows per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import pyarrow as pa

from onconode.ingest.genes import genes
from onconode.ingest.genome import LENGTHS
from onconode.model.tables import TABLES_BY_NAME
from onconode.synth.tumours import TRANSCRIPTS

REF_GENOME = "GRCh37"
CHROMS = tuple(str(i) for i in range(1, 23)) + ("X",)
CHROM_INDEX = {c: i for i, c in enumerate(CHROMS)}
BASES = "ACGT"
AMINO = ("Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu", "Lys", "Met", "Phe", "Pro",
         "Ser", "Thr", "Trp", "Tyr", "Val")


@dataclass(frozen=True)
class Layout:
    """GRCh37 on one axis: chromosome lengths and offsets, gene intervals sorted by start."""

    lengths: np.ndarray          # per chromosome of CHROMS
    offsets: np.ndarray          # len(CHROMS) + 1 cumulative starts
    gene_start: np.ndarray       # linear, sorted
    gene_end: np.ndarray
    gene_names: pa.Array         # string dictionary for gene codes
    gene_code: dict[str, int]    # symbol -> code (drivers are placed by name)
    gene_transcript: np.ndarray  # per gene: code into transcripts, -1 where the panel has none
    transcripts: pa.Array


@lru_cache(maxsize=1)
def layout() -> Layout:
    """Built once per process (loading the gene reference takes a second or two); the
    parallel loader builds it before forking so workers inherit it."""
    lengths = np.array([LENGTHS[REF_GENOME][c] for c in CHROMS], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    rows = sorted(
        (int(offsets[CHROM_INDEX[g.chromosome_37]]) + g.start_37, int(offsets[CHROM_INDEX[g.chromosome_37]]) + g.end_37,
         g.symbol)
        for g in genes() if g.start_37 is not None and g.chromosome_37 in CHROM_INDEX
    )
    names = [r[2] for r in rows]
    tx_names = sorted(TRANSCRIPTS)
    tx_code = {g: i for i, g in enumerate(tx_names)}
    return Layout(
        lengths=lengths, offsets=offsets,
        gene_start=np.array([r[0] for r in rows], dtype=np.int64), gene_end=np.array([r[1] for r in rows], dtype=np.int64),
        gene_names=pa.array(names, type=pa.string()), gene_code={n: i for i, n in enumerate(names)},
        gene_transcript=np.array([tx_code.get(n, -1) for n in names], dtype=np.int32),
        transcripts=pa.array([TRANSCRIPTS[g] for g in tx_names], type=pa.string()),
    )


def strings(codes: np.ndarray, vocabulary: pa.Array | Sequence[str], valid: np.ndarray | None = None) -> pa.Array:
    """vocabulary[codes] as a plain string array, null where `valid` is False (or the code
    is negative): one C++ take, no Python string per row."""
    vocab = vocabulary if isinstance(vocabulary, pa.Array) else pa.array(list(vocabulary), type=pa.string())
    codes = np.asarray(codes)
    invalid = codes < 0 if valid is None else ~valid | (codes < 0)
    indices = pa.array(np.where(invalid, 0, codes).astype(np.int32), mask=invalid if invalid.any() else None)
    return pa.DictionaryArray.from_arrays(indices, vocab).cast(pa.string())


def const(value: str, n: int) -> pa.Array:
    """The same string n times (a sample id on each of its rows)."""
    return strings(np.zeros(n, dtype=np.int32), [value])


def table(name: str, columns: dict[str, object]) -> pa.Table:
    """Model rows of `name` from column values (Arrow arrays, numpy arrays or lists);
    columns not given are null, so every table has exactly the model's schema."""
    schema = TABLES_BY_NAME[name].arrow_schema
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for f in schema:
        v = columns.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(v, pa.Array):
            arrays.append(v if v.type == f.type else v.cast(f.type))
        else:
            arrays.append(pa.array(v, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
