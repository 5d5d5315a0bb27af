"""gzip and BGZF input: recognised by content, and a cut-short file refused before it is read.

A BGZF file (bgzip, htslib, every pipeline's .vcf.gz) ends in a fixed 28-byte empty
block. A copy cut exactly at a block boundary inflates cleanly, so without this check
its missing records would be lost without a word; a copy cut inside a block makes zlib,
ISA-L and htslib fail in different places with different messages (htslib's "cannot
parse VCF header" when the cut is in the first block). Checking the end first gives one
clear answer for every reader, at the cost of reading 28 bytes.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
HINT = "the file was cut short (an interrupted download or copy?): copy it again from the pipeline output"


class TruncatedFile(EOFError):
    """A compressed file that is visibly cut short; the message says what is wrong and what to do."""


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def _is_bgzf(head: bytes) -> bool:
    """gzip with FEXTRA whose first subfield is BGZF's 'BC' (SAM/BAM specification, section 4.1)."""
    return len(head) >= 14 and head[:2] == GZIP_MAGIC and head[3] & 4 != 0 and head[12:14] == b"BC"


def truncation(path: Path) -> str | None:
    """What is wrong when `path` is a gzip or BGZF file that is visibly cut short, else None.

    Plain gzip has no end marker to look at; a cut one is reported by whoever inflates
    it (the readers turn the EOFError into a located problem).
    """
    with open(path, "rb") as fh:
        head = fh.read(18)
        if head[:2] != GZIP_MAGIC:
            return None
        if len(head) < 18:
            return f"the gzip file is only {len(head)} bytes long, shorter than a gzip header"
        if not _is_bgzf(head):
            return None
        size = fh.seek(0, 2)
        if size >= len(BGZF_EOF):
            fh.seek(size - len(BGZF_EOF))
            if fh.read() == BGZF_EOF:
                return None
    return (f"the BGZF-compressed file ({size:,} bytes) does not end with BGZF's end-of-file block, "
            "so its end is missing (truncated BGZF/gzip data)")


def inflates_to_the_end(path: Path) -> bool:
    """Whether the gzip stream(s) of `path` inflate to their proper end. Reads the whole file:
    for the failure path, to tell a truncated file from a malformed one."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error):
        return False
    return True


def check_complete(path: Path) -> None:
    """Raise TruncatedFile when `path` is a compressed file that is visibly cut short."""
    why = truncation(path)
    if why is not None:
        raise TruncatedFile(f"{why}; {HINT}")
