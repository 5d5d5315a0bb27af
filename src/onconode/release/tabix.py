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


def reg2bin(beg: np.ndarray, end: np.ndarray) -> np.ndarray:
    """UCSC bin of each 0-based half-open interval (the SAM/tabix specification's reg2bin)."""
    last = end - 1
    conds = [(beg >> s) == (last >> s) for s in (14, 17, 20, 23, 26)]
    choices = [4681 + (beg >> 14), 585 + (beg >> 17), 73 + (beg >> 20), 9 + (beg >> 23), 1 + (beg >> 26)]
    return np.select(conds, choices, 0).astype(np.uint32)


def _words(u64: np.ndarray) -> np.ndarray:
    """uint64 values as little-endian pairs of uint32 words."""
    return u64.astype("<u8").view("<u4").reshape(-1, 2)


def _index_words(ref_ids: np.ndarray, bins: np.ndarray, vbeg: np.ndarray, vend: np.ndarray, n_refs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The binning index of every contig at once, as one stream of uint32 words (per bin
    [bin, n_chunk], then 4 words per chunk), contigs one after the other; returns the
    words, each contig's [first, end) word range and its number of bins. A chunk is a run of
    consecutive records in one bin (htslib extends a chunk only while the next record
    starts where it ends); each contig also gets htslib's pseudo-bin."""
    n = len(bins)
    cut = np.concatenate(([True], (bins[1:] != bins[:-1]) | (ref_ids[1:] != ref_ids[:-1])))
    first = np.flatnonzero(cut)
    last = np.concatenate((first[1:] - 1, [n - 1]))
    present = np.unique(ref_ids)
    ref_first = np.searchsorted(ref_ids, present, side="left")
    ref_last = np.searchsorted(ref_ids, present, side="right") - 1
    counts_per_ref = ref_last - ref_first + 1
    run_ref = np.concatenate((ref_ids[first], present, present))
    run_bin = np.concatenate((bins[first], np.full(2 * len(present), META_BIN, np.uint32))).astype(np.int64)
    run_beg = np.concatenate((vbeg[first], vbeg[ref_first], counts_per_ref.astype(np.uint64))).astype(np.uint64)
    run_end = np.concatenate((vend[last], vend[ref_last], np.zeros(len(present), np.uint64))).astype(np.uint64)
    group = run_ref * (1 << 16) + run_bin  # bins are < 2^16
    order = np.argsort(group, kind="stable")  # runs are nearly in order already: cheap
    run_ref, run_bin, run_beg, run_end, group = run_ref[order], run_bin[order], run_beg[order], run_end[order], group[order]
    new_group = np.concatenate(([True], group[1:] != group[:-1]))
    starts = np.flatnonzero(new_group)
    counts = np.diff(np.concatenate((starts, [len(group)])))
    words = np.zeros(2 * len(starts) + 4 * len(group), dtype="<u4")
    header_pos = 2 * np.arange(len(starts)) + 4 * starts
    words[header_pos] = run_bin[starts]
    words[header_pos + 1] = counts
    rank = np.arange(len(group)) - np.repeat(starts, counts)
    chunk_pos = np.repeat(header_pos + 2, counts) + 4 * rank
    for k, part in enumerate((_words(run_beg), _words(run_end))):
        words[chunk_pos + 2 * k] = part[:, 0]
        words[chunk_pos + 2 * k + 1] = part[:, 1]
    group_ref = run_ref[starts]
    bounds = np.concatenate((header_pos, [len(words)]))  # word where each bin (and the end) starts
    firsts = np.searchsorted(group_ref, np.arange(n_refs), side="left")
    lasts = np.searchsorted(group_ref, np.arange(n_refs), side="right")
    return words, np.stack((bounds[firsts], bounds[lasts]), axis=1), lasts - firsts


def _linear(ref_ids: np.ndarray, vbeg: np.ndarray, begs: np.ndarray, ends: np.ndarray, n_refs: int) -> tuple[np.ndarray, np.ndarray]:
    """Every contig's linear index (the first record, in file order, overlapping each 16 kb
    window; empty windows take the previous window's offset, leading ones the contig's
    first record, as htslib fills them), concatenated; returns it and each contig's first
    entry. Records are in file order, so the first record seen in a window has its
    smallest offset."""
    w0, w1 = begs >> LINEAR_SHIFT, (ends - 1) >> LINEAR_SHIFT
    present = np.unique(ref_ids)
    ref_first = np.searchsorted(ref_ids, present, side="left")
    sizes = np.zeros(n_refs, dtype=np.int64)
    sizes[present] = np.maximum.reduceat(w1 + 1, ref_first)  # records are grouped by contig
    ref_start = np.concatenate(([0], np.cumsum(sizes)))
    span = (w1 - w0 + 1).astype(np.int64)
    windows = np.repeat(w0 + ref_start[ref_ids], span) + (np.arange(int(span.sum())) - np.repeat(np.cumsum(span) - span, span))
    # Each contig's first window is seeded with its first record, ahead of the records.
    keys = np.concatenate((ref_start[present], windows))
    values = np.concatenate((vbeg[ref_first], np.repeat(vbeg, span)))
    uniq, first = np.unique(keys, return_index=True)  # first occurrence of each window
    linear = np.repeat(values[first], np.diff(np.concatenate((uniq, [ref_start[-1]]))))
    return linear.astype(np.uint64), ref_start


def build(names: list[str], ref_ids: np.ndarray, begs: np.ndarray, ref_lengths: np.ndarray, starts: np.ndarray,
          total: int, block_offsets: list[int]) -> bytes:
    """The BGZF-compressed .tbi of a VCF whose records are sorted by contig (`ref_ids`,
    indexes into `names`, each contig one run) and 0-based start `begs`; `starts` are the
    records' offsets in the uncompressed file, `total` its length, and `block_offsets`
    the compressed offset of each BGZF block (bgzf.compress). Unsorted records are an
    error, as they are for `tabix`. Computed for all contigs at once (numpy), so a file's
    cost does not grow with its number of contigs."""
    ref_ids = np.asarray(ref_ids, dtype=np.int64)
    begs = np.asarray(begs, dtype=np.int64)
    n, n_refs = len(begs), len(names)
    names_blob = b"".join(name.encode() + b"\0" for name in names)
    out = [b"TBI\1", struct.pack("<i", n_refs), _VCF_CONF, struct.pack("<i", len(names_blob)), names_blob]
    if n == 0:
        out += [struct.pack("<ii", 0, 0)] * n_refs
    else:
        new_ref = np.concatenate(([True], ref_ids[1:] != ref_ids[:-1]))
        if np.any(np.diff(ref_ids) < 0) or np.any((np.diff(begs) < 0) & ~new_ref[1:]):
            raise ValueError("VCF records are not sorted by contig and position; tabix cannot index them")
        ends = begs + np.maximum(np.asarray(ref_lengths, dtype=np.int64), 1)
        coff = np.asarray(block_offsets, dtype=np.uint64)
        u = np.concatenate((np.asarray(starts, dtype=np.int64), [total]))
        voff = (coff[u // bgzf.BLOCK] << np.uint64(16)) | (u % bgzf.BLOCK).astype(np.uint64)
        vbeg, vend = voff[:-1], voff[1:]
        words, ref_words, ref_bins = _index_words(ref_ids, reg2bin(begs, ends), vbeg, vend, n_refs)
        linear, ref_start = _linear(ref_ids, vbeg, begs, ends, n_refs)
        for r in range(n_refs):
            if ref_bins[r] == 0:
                out.append(struct.pack("<ii", 0, 0))
                continue
            out.append(struct.pack("<i", int(ref_bins[r])))
            out.append(words[ref_words[r, 0]:ref_words[r, 1]].tobytes())
            lin = linear[ref_start[r]:ref_start[r + 1]]
            out.append(struct.pack("<i", len(lin)) + lin.astype("<u8", copy=False).tobytes())
    out.append(struct.pack("<Q", 0))  # records without coordinates
    return bgzf.compress(b"".join(out))[0]

