"""BGZF (the blocked gzip of SAMtools/htslib, which tabix indexes) written in-process.

A release holds one bgzipped VCF per sample; piping each through a `bgzip` process meant
writing the uncompressed text to disk and reading it back, once per sample. Here the text
is cut into htslib's block size (65,280 bytes, so `bgzip` and this module split a stream
at the same places) and each block is deflated by libdeflate (`deflate`, which releases
the GIL, so two threads use both cores). Same input, same bytes: no time stamp, fixed
level, and a compressor whose output depends on the input alone. ISA-L, used here before,
is twice as fast but now and then deflated a block differently inside the build's worker
threads (6 of 1,930 VCF/.tbi files differed between two builds of one release), which
broke byte-identical rebuilds; libdeflate's level 1 compresses VCF text as well as
ISA-L's level 1 did.
"""

from __future__ import annotations

import struct
import zlib

import deflate

BLOCK = 0xFF00  # htslib's BGZF_BLOCK_SIZE: uncompressed bytes per block
MAX_BLOCK = 1 << 16  # a block, header and trailer included, must fit in 64 KiB
LEVEL = 1  # libdeflate level 1: ~1.7x zlib's level 1 speed, VCFs about the size ISA-L's level 1 gave
EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_HEADER = struct.Struct("<4BI2BH2BHH")  # gzip header with the BC extra field (BSIZE)
_TRAILER = struct.Struct("<II")


def _block(data: bytes | memoryview) -> bytes:
    deflated = deflate.deflate_compress(data, LEVEL)
    if len(deflated) + 26 > MAX_BLOCK:  # incompressible: store it (always fits)
        c = zlib.compressobj(0, zlib.DEFLATED, -15)
        deflated = c.compress(data) + c.flush()
    header = _HEADER.pack(0x1F, 0x8B, 8, 4, 0, 0, 0xFF, 6, 66, 67, 2, len(deflated) + 25)
    return header + deflated + _TRAILER.pack(deflate.crc32(data) & 0xFFFFFFFF, len(data))


def compress(data: bytes) -> tuple[bytes, list[int]]:
    """`data` as a complete BGZF file (ending in the EOF block), and the compressed offset
    at which each block starts (block k holds data[k*BLOCK:(k+1)*BLOCK]); the last entry
    is the EOF block's offset, so virtual offsets of any position up to len(data) exist."""
    view = memoryview(data)
    parts: list[bytes] = []
    offsets = [0]
    for start in range(0, len(data), BLOCK):
        parts.append(_block(view[start:start + BLOCK]))
        offsets.append(offsets[-1] + len(parts[-1]))
    parts.append(EOF)
    return b"".join(parts), offsets
