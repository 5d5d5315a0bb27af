"""Tabix (.tbi) indexes of the release's bgzipped VCFs, computed with numpy from what the
writer already knows (each record's contig, start, REF length and byte offset, and where
each BGZF block starts), instead of a `tabix` process re-reading and re-parsing every
file. The layout is htslib's TBI format (https://samtools.github.io/hts-specs/tabix.pdf):
UCSC bins with their chunks of virtual file offsets, the 16 kb linear index, and
htslib's per-contig pseudo-bin; `tabix` and htslib readers query it like their own.
"""

from __future__ import annotations

import struct

import numpy as np

from onconode.release import bgzf

META_BIN = 37450  # htslib's pseudo-bin: (first, last) offset and the record counts of a contig
LINEAR_SHIFT = 14  # 16 kb windows
_VCF_CONF = struct.pack("<6i", 2, 1, 2, 0, ord("#"), 0)  # format VCF, seq col 1, begin col 2, no end col, '#', skip 0
_NONE = np.uint64(0xFFFFFFFFFFFFFFFF)


def reg2bin(beg: np.ndarray, end: np.ndarray) -> np.ndarray:
    """UCSC bin of each 0-based half-open interval (the SAM/tabix specification's reg2bin)."""
    last = end - 1
    conds = [(beg >> s) == (last >> s) for s in (14, 17, 20, 23, 26)]
    choices = [4681 + (beg >> 14), 585 + (beg >> 17), 73 + (beg >> 20), 9 + (beg >> 23), 1 + (beg >> 26)]
    return np.select(conds, choices, 0).astype(np.uint32)


def _words(u64: np.ndarray) -> np.ndarray:
    """uint64 values as little-endian pairs of uint32 words."""
    return u64.astype("<u8").view("<u4").reshape(-1, 2)


def _ref_index(bins: np.ndarray, vbeg: np.ndarray, vend: np.ndarray, begs: np.ndarray, ends: np.ndarray) -> bytes:
    """The binning and linear index of one contig's records (in file order)."""
    n = len(bins)
    # Chunks: runs of consecutive records in the same bin (htslib extends a chunk only
    # while the next record starts where it ends, i.e. for consecutive records).
    first = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
    last = np.concatenate((first[1:] - 1, [n - 1]))
    run_bin = np.concatenate((bins[first], [META_BIN, META_BIN])).astype(np.uint32)
    run_beg = np.concatenate((vbeg[first], [vbeg[0], np.uint64(n)])).astype(np.uint64)
    run_end = np.concatenate((vend[last], [vend[-1], np.uint64(0)])).astype(np.uint64)
    order = np.argsort(run_bin, kind="stable")
    run_bin, run_beg, run_end = run_bin[order], run_beg[order], run_end[order]
    uniq, starts, counts = np.unique(run_bin, return_index=True, return_counts=True)
    # One uint32 word stream: per bin [bin, n_chunk], then 4 words per chunk.
    words = np.zeros(2 * len(uniq) + 4 * len(run_bin), dtype="<u4")
    header_pos = 2 * np.arange(len(uniq)) + 4 * starts
    words[header_pos] = uniq
    words[header_pos + 1] = counts
    rank = np.arange(len(run_bin)) - np.repeat(starts, counts)
    chunk_pos = np.repeat(header_pos + 2, counts) + 4 * rank
    for k, part in enumerate((_words(run_beg), _words(run_end))):
        words[chunk_pos + 2 * k] = part[:, 0]
        words[chunk_pos + 2 * k + 1] = part[:, 1]
    # Linear index: the first record (in file order) overlapping each 16 kb window.
    w0, w1 = begs >> LINEAR_SHIFT, (ends - 1) >> LINEAR_SHIFT
    span = (w1 - w0 + 1).astype(np.int64)
    windows = np.repeat(w0, span) + (np.arange(int(span.sum())) - np.repeat(np.cumsum(span) - span, span))
    linear = np.full(int(w1.max()) + 1, _NONE, dtype=np.uint64)
    np.minimum.at(linear, windows, np.repeat(vbeg, span))
    if linear[0] == _NONE:
        linear[0] = vbeg[0]
    filled = np.where(linear != _NONE, np.arange(len(linear)), 0)
    linear = linear[np.maximum.accumulate(filled)]
    return (struct.pack("<i", len(uniq)) + words.tobytes() + struct.pack("<i", len(linear)) + linear.astype("<u8").tobytes())


def build(names: list[str], ref_ids: np.ndarray, begs: np.ndarray, ref_lengths: np.ndarray, starts: np.ndarray,
          total: int, block_offsets: list[int]) -> bytes:
    """The BGZF-compressed .tbi of a VCF whose records are sorted by contig (`ref_ids`,
    indexes into `names`, each contig one run) and 0-based start `begs`; `starts` are the
    records' offsets in the uncompressed file, `total` its length, and `block_offsets`
    the compressed offset of each BGZF block (bgzf.compress). Unsorted records are an
    error, as they are for `tabix`."""
    ref_ids = np.asarray(ref_ids, dtype=np.int64)
    begs = np.asarray(begs, dtype=np.int64)
    n = len(begs)
    if n:
        new_ref = np.concatenate(([True], ref_ids[1:] != ref_ids[:-1]))
        if len(np.unique(ref_ids[new_ref])) != int(new_ref.sum()) or np.any((np.diff(begs) < 0) & ~new_ref[1:]):
            raise ValueError("VCF records are not sorted by contig and position; tabix cannot index them")
    ends = begs + np.maximum(np.asarray(ref_lengths, dtype=np.int64), 1)
    coff = np.asarray(block_offsets, dtype=np.uint64)
    u = np.concatenate((np.asarray(starts, dtype=np.int64), [total]))
    voff = (coff[u // bgzf.BLOCK] << np.uint64(16)) | (u % bgzf.BLOCK).astype(np.uint64)
    vbeg, vend = voff[:-1], voff[1:]
    bins = reg2bin(begs, ends)
    names_blob = b"".join(name.encode() + b"\0" for name in names)
    out = [b"TBI\1", struct.pack("<i", len(names)), _VCF_CONF, struct.pack("<i", len(names_blob)), names_blob]
    bounds = np.searchsorted(ref_ids, np.arange(len(names) + 1), side="left") if n else np.zeros(len(names) + 1, dtype=np.int64)
    for r in range(len(names)):
        a, b = int(bounds[r]), int(bounds[r + 1])
        if a == b:
            out.append(struct.pack("<ii", 0, 0))
            continue
        out.append(_ref_index(bins[a:b], vbeg[a:b], vend[a:b], begs[a:b], ends[a:b]))
    out.append(struct.pack("<Q", 0))  # records without coordinates
    return bgzf.compress(b"".join(out))[0]
