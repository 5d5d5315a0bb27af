"""Header-driven TSV reading: columns are found by name, never by position.

Tool versions add, drop and rename columns (PURPLE's cnv.gene.tsv, LINX's breakend and
fusion files); reading by header name is what makes one reader serve them all.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from onconode.ingest.problems import Problems


def open_text(path: Path) -> io.TextIOBase:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="strict", newline="")
    return open(path, encoding="utf-8", errors="strict", newline="")


def read_tsv(
    path: Path,
    problems: Problems,
    required: tuple[str, ...] = (),
    comment: str | None = None,
    delimiter: str = "\t",
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {header: value}) for each data row of a delimited file.

    Lines starting with `comment` before the header are skipped. A missing required
    column, a row with the wrong number of fields or bytes that are not UTF-8 become
    problems with their line number; the rest of the file is still read.
    """
    shown = str(path)
    try:
        fh = open_text(path)
    except OSError as exc:
        problems.error(shown, None, None, f"cannot open the file ({exc.strerror})", "check the path and permissions")
        return
    with fh:
        line_no = 0
        header: list[str] | None = None
        try:
            for raw in fh:
                line_no += 1
                line = raw.rstrip("\r\n")
                if header is None:
                    if not line.strip() or (comment and line.startswith(comment)):
                        continue
                    header = [h.strip().lstrip("#") for h in next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE))]
                    missing = [c for c in required if c not in header]
                    if missing:
                        problems.error(
                            shown, line_no, ", ".join(missing),
                            f"required column(s) missing from the header (found: {', '.join(header)})",
                            "is this the right file type and tool version?",
                        )
                        return
                    continue
                if not line.strip():
                    continue
                fields = line.split(delimiter)
                if len(fields) != len(header):
                    problems.error(
                        shown, line_no, None,
                        f"{len(fields)} fields where the header has {len(header)}",
                        "check for a missing or extra tab on this line",
                    )
                    if problems.full:
                        return
                    continue
                yield line_no, dict(zip(header, fields))
        except UnicodeDecodeError as exc:
            problems.error(shown, line_no + 1, None, f"the file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8")
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            problems.error(shown, line_no + 1, None, f"the file is truncated or corrupt ({exc})", "copy it again from the pipeline output")
        if header is None and not any(p.file == shown for p in problems.errors):
            problems.error(shown, None, None, "the file has no header line", "is the file empty?")
