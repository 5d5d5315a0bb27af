"""Tabix (.tbi) indexes of the release's bgzipped VCFs, computed from what the
writer already knows (each record's contig, start, REF length and byte offset, and where
each BGZF block starts), instead of a `tabix` process re-reading and re-parsing every
file. The layout is htslib's TBI format (https://samtools.github.io/hts-specs/tabix.pdf):
UCSC bins with their chunks of virtual file offsets, the 16 kb linear index, and
htslib's per-contig pseudo-bin; `tabix` and htslib readers query it like their own.
"""

from __future__ import annotations

import struct

import numpy as np

from onconode.release import _tabix, bgzf

_VCF_CONF = struct.pack("<6i", 2, 1, 2, 0, ord("#"), 0)  # format VCF, seq col 1, begin col 2, no end col, '#', skip 0


def build(names: list[str], ref_ids: np.ndarray, begs: np.ndarray, ref_lengths: np.ndarray, starts: np.ndarray,
          total: int, block_offsets: list[int]) -> bytes:
    """The BGZF-compressed .tbi of a VCF whose records are sorted by contig (`ref_ids`,
    indexes into `names`, each contig one run) and 0-based start `begs`; `starts` are the
    records' offsets in the uncompressed file, `total` its length, and `block_offsets`
    the compressed offset of each BGZF block (bgzf.compress). Unsorted records are an
    error, as they are for `tabix`. The bins and linear index come from release._tabix
    (one pass in C: the linear index spans each contig's length, ~190,000 windows a file)."""
    ref_ids = np.ascontiguousarray(ref_ids, dtype=np.int64)
    begs = np.ascontiguousarray(begs, dtype=np.int64)
    n, n_refs = len(begs), len(names)
    names_blob = b"".join(name.encode() + b"\0" for name in names)
    out = [b"TBI\1", struct.pack("<i", n_refs), _VCF_CONF, struct.pack("<i", len(names_blob)), names_blob]
    if n == 0:
        out += [struct.pack("<ii", 0, 0)] * n_refs
    else:
        new_ref = np.concatenate(([True], ref_ids[1:] != ref_ids[:-1]))
        if np.any(np.diff(ref_ids) < 0) or np.any((np.diff(begs) < 0) & ~new_ref[1:]):
            raise ValueError("VCF records are not sorted by contig and position; tabix cannot index them")
        ends = np.ascontiguousarray(begs + np.maximum(np.asarray(ref_lengths, dtype=np.int64), 1))
        coff = np.asarray(block_offsets, dtype=np.uint64)
        u = np.concatenate((np.asarray(starts, dtype=np.int64), [total]))
        voff = (coff[u // bgzf.BLOCK] << np.uint64(16)) | (u % bgzf.BLOCK).astype(np.uint64)
        vbeg, vend = voff[:-1], voff[1:]
        out.append(_tabix.body(ref_ids, begs, ends, vbeg, vend, n_refs))
    out.append(struct.pack("<Q", 0))  # records without coordinates
    return bgzf.compress(b"".join(out))[0]

