"""The VCF body in bounded chunks of whole lines.

ISA-L's inflate (isal, about twice zlib's speed) releases the GIL, so when the caller runs
this generator on a worker thread (ahead.background) decompression overlaps with the
columnar work on the previous chunk; chunks are 8 MB, so memory stays flat whatever the
file size.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from isal import igzip, isal_zlib

CHUNK_BYTES = 8 << 20  # small enough that the stages overlap from the first chunk to the last


@dataclass
class Chunk:
    first_line: int  # file line number of the chunk's first line
    data: bytes  # whole lines, each ending in "\n"
    lines: int = -1  # how many; counted once (a scan of the chunk)

    def __post_init__(self) -> None:
        if self.lines < 0:
            self.lines = self.data.count(b"\n")


class BodyError(Exception):
    """The body could not be read to the end (truncated gzip, I/O error); `line` is where it stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _open(path: Path):
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return igzip.open(path, "rb") if gz else open(path, "rb")


def chunks(path: Path, header_lines: int, chunk_bytes: int | None = None) -> Iterator[Chunk]:
    """Chunks of the data lines after `header_lines` header lines; raises BodyError at the end if cut short."""
    size = chunk_bytes or CHUNK_BYTES
    line = header_lines + 1
    try:
        with _open(path) as fh:
            for _ in range(header_lines):
                fh.readline()
            rest = b""
            while block := fh.read(size):
                block = rest + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    rest = block
                    continue
                chunk = Chunk(line, block[:cut])
                rest = block[cut:]
                line += chunk.lines
                yield chunk
            if rest:
                yield Chunk(line, rest + b"\n")
    except (EOFError, OSError, zlib.error, isal_zlib.error, gzip.BadGzipFile) as exc:
        raise BodyError(line, f"the file ends early or is damaged ({exc}); a truncated download or copy?") from exc
