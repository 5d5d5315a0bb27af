"""The VCF body in bounded chunks of whole lines.

ISA-L's inflate (isal, about twice zlib's speed) releases the GIL, so when the caller runs
this generator on a worker thread (ahead.background) decompression overlaps with the
columnar work on the previous chunk; chunks are 8 MB, so memory stays flat whatever the
file size. `prefetch` starts the inflate before the reader exists (at command start-up).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from isal import igzip, isal_zlib

from onconode.ingest.compressed import is_gzip
from onconode.ingest.vcf.ahead import background

CHUNK_BYTES = 8 << 20  # small enough that the stages overlap from the first chunk to the last
PREFETCH_BLOCKS = 16  # 128 MB: what inflates while `onconode ingest vcf` starts up


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
    return igzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def _blocks(path: Path, size: int) -> Iterator[bytes]:
    """The inflated file in blocks of `size` bytes (the last may be shorter)."""
    with _open(path) as fh:
        while block := fh.read(size):
            yield block


_PREFETCHED: dict[Path, Iterator[bytes]] = {}


@contextmanager
def prefetch(path: Path) -> Iterator[None]:
    """Inflate `path` on a worker thread from now on, up to PREFETCH_BLOCKS blocks ahead;
    `chunks` of the same path reads them. For a command's start-up: the file inflates while
    the command imports its libraries and opens the store."""
    key = Path(path).resolve()
    if key in _PREFETCHED or not key.is_file():
        yield
        return
    stream = background(_blocks(key, CHUNK_BYTES), PREFETCH_BLOCKS)
    _PREFETCHED[key] = stream
    try:
        yield
    finally:
        _PREFETCHED.pop(key, None)
        stream.close()


def chunks(path: Path, header_lines: int, chunk_bytes: int | None = None) -> Iterator[Chunk]:
    """Chunks of the data lines after `header_lines` header lines; raises BodyError at the end if cut short."""
    size = chunk_bytes or CHUNK_BYTES
    key = Path(path).resolve()
    blocks = _PREFETCHED.pop(key) if chunk_bytes is None and key in _PREFETCHED else _blocks(key, size)
    line = 1
    skip = header_lines
    rest = b""
    try:
        for block in blocks:
            block = rest + block
            if skip:
                at = 0
                while skip and (nl := block.find(b"\n", at)) >= 0:
                    at, skip, line = nl + 1, skip - 1, line + 1
                block = block[at:]
            cut = block.rfind(b"\n") + 1
            if skip or cut == 0:
                rest = block
                continue
            chunk = Chunk(line, block[:cut])
            rest = block[cut:]
            line += chunk.lines
            yield chunk
        if rest and not skip:
            yield Chunk(line, rest + b"\n")
    except (EOFError, OSError, zlib.error, isal_zlib.error, gzip.BadGzipFile) as exc:
        # The block that failed is lost whole, so the first line not read is known, not the line that broke.
        first = max(line, header_lines + 1)
        raise BodyError(first, f"the compressed data ends early or is damaged ({exc}): the records from this line on "
                               "cannot be read (truncated BGZF/gzip data; an interrupted download or copy?)") from exc
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()
