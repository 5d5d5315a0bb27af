"""The VCF body in bounded chunks of whole lines, decompressed on a background thread.

ISA-L's inflate (isal, about twice zlib's speed) releases the GIL, so decompression
overlaps with the columnar work on the previous chunk; the queue holds at most two
chunks, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import gzip
import queue
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from isal import igzip, isal_zlib

CHUNK_BYTES = 32 << 20


@dataclass
class Chunk:
    first_line: int  # file line number of the chunk's first line
    data: bytes  # whole lines, each ending in "\n"
    lines: int = -1  # how many; counted once (a 32 MB scan)

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
    q: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        line = header_lines + 1
        try:
            with _open(path) as fh:
                for _ in range(header_lines):
                    fh.readline()
                rest = b""
                while not stop.is_set():
                    block = fh.read(size)
                    if not block:
                        break
                    block = rest + block
                    cut = block.rfind(b"\n") + 1
                    if cut == 0:
                        rest = block
                        continue
                    chunk = Chunk(line, block[:cut])
                    rest = block[cut:]
                    line += chunk.lines
                    q.put(chunk)
                if rest and not stop.is_set():
                    q.put(Chunk(line, rest + b"\n"))
                    line += 1
            q.put(None)
        except (EOFError, OSError, zlib.error, isal_zlib.error, gzip.BadGzipFile) as exc:
            q.put(BodyError(line, f"the file ends early or is damaged ({exc}); a truncated download or copy?"))

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BodyError):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)
