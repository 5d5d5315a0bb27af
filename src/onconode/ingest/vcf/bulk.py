"""The bulk path: a chunk of VCF lines → somatic_variant columns, without a per-record Python loop.

A per-record Python loop tops out near a quarter of bcftools' rate, so the common record
(one ALT, plain bases, a primary contig, plain INFO values) is converted column-wise: a
small C tokenizer (_scan.c) walks the chunk once and fills Arrow buffers for the fields
used (the first token of each wanted INFO key, flags, PAVE's IMPACT parts, the tumour's
AD and DP by their FORMAT position), and the model's columns are derived here with Arrow
and NumPy kernels. (DuckDB list functions over split INFO tokens cost ~7 CPU s per million
records, the tokenizer ~0.5.) Every record the tokenizer is not sure about is marked
`hard` and handed, with its line number, to the careful path; derived values
(classification) come from the same Python function as the careful path, applied to
distinct values only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.ingest import genome
from onconode.ingest.vcf import annotations as ann
try:
    from onconode.ingest.vcf._scan import scan
except ImportError as exc:  # a checkout whose C extension was never built
    raise ImportError("onconode's VCF tokenizer (the C extension onconode.ingest.vcf._scan) is not built: run "
                      "`pip install -e .` in the source folder (it needs gcc and the Python headers, e.g. python3-dev)") from exc
from onconode.ingest.vcf.fields import FLAG_INFO, FLOAT_INFO, SCHEMA, STRING_INFO, TIERS, flag_columns
from onconode.ingest.vcf.header import VcfHeader
from onconode.model import codes

NULLABLE = pa.schema([f.with_nullable(True) for f in SCHEMA])
IMPACT_PARTS = {"gene": 0, "transcript": 1, "canonical_effect": 2, "coding_effect": 3, "hgvs_coding": 5,
                "hgvs_protein": 6, "worst_coding_effect": 8}
CODED_PARTS = ("coding_effect", "worst_coding_effect")  # a value outside codes.CODING_EFFECTS becomes 'UNDEFINED'
CLASS_COLUMNS = ("variant_classification", "default_filtered")
TYPES = pa.array(["SNP", "MNP", "INDEL"])


@dataclass
class BulkResult:
    table: pa.Table | None  # converted rows (None when the chunk must go the careful way as a whole)
    hard: list[int]  # 0-based indices (within the chunk) of lines for the careful path


def contig_lengths(ref_genome: str) -> dict[str, int]:
    """Primary contig names as files spell them ('7', 'chr7', 'chrM' ...) → length."""
    out: dict[str, int] = {}
    for name, length in genome.LENGTHS[ref_genome].items():
        out[name] = length
        out["chr" + name] = length
    out["chrM"] = out["M"] = genome.LENGTHS[ref_genome]["MT"]
    return out


def _strings(col: tuple[bytes | None, bytes, bytes], rows: int) -> pa.Array:
    valid, offsets, data = col
    return pa.Array.from_buffers(pa.string(), rows, [valid and pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(data)])


def _numbers(col: tuple[bytes | None, bytes], rows: int, kind: pa.DataType) -> pa.Array:
    valid, values = col
    return pa.Array.from_buffers(kind, rows, [valid and pa.py_buffer(valid), pa.py_buffer(values)])


def _bools(bits: bytes, rows: int) -> pa.Array:
    return pa.Array.from_buffers(pa.bool_(), rows, [None, pa.py_buffer(bits)])


def _canonical_contigs(names: pa.Array) -> pa.Array:
    """Contig names in the store's one spelling (genome.canonical_contig), computed once per distinct name."""
    encoded = pc.dictionary_encode(names)
    spelled = encoded.dictionary.to_pylist()
    canonical = [genome.canonical_contig(name) for name in spelled]
    if canonical == spelled:
        return names
    return pa.array(canonical, pa.string()).take(encoded.indices)


def _coded(values: pa.Array, allowed: pa.Array, other: str) -> pa.Array:
    """A value outside `allowed` becomes `other`; missing stays missing."""
    keep = pc.or_(pc.is_null(values), pc.is_in(values, value_set=allowed))
    return pc.if_else(keep, values, pa.scalar(other, pa.string()))


class BulkConverter:
    """Converts the chunks of one file; holds the lookups that do not change per chunk."""

    def __init__(self, header: VcfHeader, tumor: str, sample_id: str, ref_genome: str) -> None:
        self.header = header
        self.n_fields = 8 + (1 + len(header.samples) if header.samples else 0)
        self.tumor = 9 + header.samples.index(tumor) if header.samples else None
        self.contigs = tuple((name.encode(), length) for name, length in contig_lengths(ref_genome).items())
        self.sample_id = sample_id
        self.flags = flag_columns(header.infos)
        self.annotated = header.annotation is not None
        self.coding_effects = pa.array(list(codes.CODING_EFFECTS), pa.string())
        self.tiers = pa.array(sorted(TIERS), pa.string())
        self._classes: dict[tuple, tuple[str | None, bool]] = {}

    def close(self) -> None:
        """Nothing to release (kept so callers need not know)."""

    def convert(self, data: bytes, lines: int | None = None) -> BulkResult:
        """Rows of the plain lines, and the indices of the lines for the careful path; `lines` if already counted."""
        lines = data.count(b"\n") if lines is None else lines
        if self.tumor is None:
            return BulkResult(None, list(range(lines)))
        got = scan(data, self.n_fields, self.tumor, self.contigs, tuple(k.encode() for k in STRING_INFO),
                   tuple(k.encode() for k in FLOAT_INFO), tuple(k.encode() for k in FLAG_INFO), b"IMPACT",
                   tuple(IMPACT_PARTS.values()))
        n = got["rows"]
        if n + len(got["hard"]) != lines:  # the scanner and the chunker disagree on lines: never guess
            return BulkResult(None, list(range(lines)))
        cols: dict[str, pa.Array] = {name: _strings(got[name], n) for name in ("chromosome", "ref", "alt", "filter")}
        cols["chromosome"] = _canonical_contigs(cols["chromosome"])
        cols["sample_id"] = pa.repeat(pa.scalar(self.sample_id, pa.string()), n)
        cols["position"] = _numbers(got["position"], n, pa.int64())
        for col, buffers in zip(STRING_INFO.values(), got["strings"]):
            cols[col] = _strings(buffers, n)
        for col, buffers in zip(FLOAT_INFO.values(), got["numbers"]):
            cols[col] = _numbers(buffers, n, pa.float64())
        for col, buffers in zip(IMPACT_PARTS, got["parts"]):
            cols[col] = _strings(buffers, n)
        for col in CODED_PARTS:
            cols[col] = _coded(cols[col], self.coding_effects, "UNDEFINED")
        cols["tier"] = _coded(cols["tier"], self.tiers, "UNKNOWN")
        flag = dict(zip(FLAG_INFO, (_bools(b, n) for b in got["flags"])))
        cols["biallelic"] = pc.if_else(flag["BIALLELIC"], True, pa.scalar(self.flags["biallelic"], pa.bool_()))
        cols["reported"] = pc.if_else(flag["REPORTED"], True, pa.scalar(self.flags["reported"], pa.bool_()))
        cols["hotspot"] = pc.if_else(flag["HOTSPOT"], "HOTSPOT",
                                     pc.if_else(flag["NEAR_HOTSPOT"], "NEAR_HOTSPOT", pa.scalar(self.flags["hotspot"], pa.string())))
        ref_len = pc.binary_length(cols["ref"]).to_numpy()
        alt_len = pc.binary_length(cols["alt"]).to_numpy()
        cols["type"] = TYPES.take(pa.array(np.where(ref_len != alt_len, 2, np.where(ref_len == 1, 0, 1)).astype(np.int8)))
        cols.update(self._read_counts(got, n))
        annotated = pa.array(np.ones(n, bool)) if self.annotated else _bools(got["annotated"], n)
        cols["variant_classification"], cols["default_filtered"] = self._classify(
            cols["canonical_effect"], cols["gene"], pa.array(ref_len > alt_len), annotated)
        return BulkResult(pa.table([cols[f.name] for f in SCHEMA], schema=NULLABLE), got["hard"])

    @staticmethod
    def _read_counts(got: dict, n: int) -> dict[str, pa.Array]:
        """Tumour alt reads, depth and VAF as fields.read_counts defines them: depth = max(DP, sum AD)."""
        ad_ref, ad_alt, dp = (_numbers(got[k], n, pa.int64()) for k in ("ad_ref", "ad_alt", "dp"))
        ad_sum = pc.add(ad_ref, ad_alt)
        total = pc.if_else(pc.and_(ad_sum.is_valid(), dp.is_valid()), pc.max_element_wise(ad_sum, dp),
                           pc.coalesce(dp, ad_sum))
        vaf = pc.if_else(pc.greater(total, 0), pc.divide(ad_alt.cast(pa.float64()), total.cast(pa.float64())), pa.scalar(None, pa.float64()))
        return {"allele_read_count": ad_alt, "total_read_count": total, "vaf": vaf}

    def _classify(self, effect: pa.Array, gene: pa.Array, shorter: pa.Array, annotated: pa.Array) -> tuple[pa.Array, pa.Array]:
        """variant_classification and default_filtered by ann.classify, called once per distinct (effect, gene?, shorter, annotated)."""
        effects = pc.dictionary_encode(effect)
        flags = [pc.fill_null(c, False) for c in (pc.is_valid(gene), shorter, annotated)]
        # key = effect code * 8 + has_gene * 4 + shorter * 2 + annotated; a missing effect gets the last code
        n_effects = len(effects.dictionary)
        code = pc.fill_null(effects.indices.cast(pa.int64()), n_effects)
        key = pc.add(pc.multiply(code, 8), pc.add(pc.add(pc.multiply(flags[0].cast(pa.int64()), 4),
                                                         pc.multiply(flags[1].cast(pa.int64()), 2)), flags[2].cast(pa.int64())))
        names = effects.dictionary.to_pylist() + [None]
        classes: list[str | None] = []
        filtered: list[bool] = []
        for effect in names:
            for bits in range(8):
                combo = (effect, bool(bits & 4), bool(bits & 2), bool(bits & 1))
                if combo not in self._classes:
                    cls = ann.classify(effect, "g" if combo[1] else None, 1 if combo[2] else 0, 0, combo[3])
                    self._classes[combo] = (cls, ann.default_filtered(cls))
                classes.append(self._classes[combo][0])
                filtered.append(self._classes[combo][1])
        return pc.take(pa.array(classes, pa.string()), key), pc.take(pa.array(filtered, pa.bool_()), key)


def convert_chunk(data: bytes, header: VcfHeader, tumor: str, sample_id: str, ref_genome: str) -> BulkResult:
    """One chunk on its own (a converter per file is cheaper when there are many)."""
    converter = BulkConverter(header, tumor, sample_id, ref_genome)
    try:
        return converter.convert(data)
    finally:
        converter.close()
