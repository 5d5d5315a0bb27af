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

from onconode.ingest.compressed import TruncatedFile, check_complete, is_gzip
from onconode.ingest.problems import Problems


def open_text(path: Path) -> io.TextIOBase:
    """Plain or gzip/BGZF-compressed UTF-8 text; raises TruncatedFile (an EOFError) for a visibly cut-short file."""
    if is_gzip(path):
        check_complete(path)
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="strict", newline="")
    return open(path, encoding="utf-8", errors="strict", newline="")


def duplicate_columns(header: list[str]) -> dict[str, list[int]]:
    """Column names that appear more than once → their 1-based positions.

    Reading a row by name keeps only one of the values of a duplicated column, so every
    reader refuses such a header instead of choosing silently.
    """
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        if name:
            positions.setdefault(name, []).append(i)
    return {name: where for name, where in positions.items() if len(where) > 1}


def _positions(where: list[int]) -> str:
    """[3, 7, 9] → '3, 7 and 9'."""
    return ", ".join(map(str, where[:-1])) + f" and {where[-1]}"


def refuse_duplicate_columns(shown: str, line_no: int | None, header: list[str], problems: Problems) -> bool:
    """Report each duplicated column name with its positions; True when there were none."""
    duplicated = duplicate_columns(header)
    for name, where in duplicated.items():
        problems.error(
            shown, line_no, name,
            f"column {name!r} appears {len(where)} times (columns {_positions(where)}); only one value per row could be kept",
            "remove or rename the extra column(s)",
        )
    return not duplicated


def nul_position(line: str) -> int | None:
    """The 1-based character position of the first NUL byte in `line`, or None."""
    at = line.find("\0")
    return None if at < 0 else at + 1


def refuse_nul(shown: str, line_no: int | None, line: str, problems: Problems,
               header: list[str] | None = None, delimiter: str = "\t") -> bool:
    """Report a NUL byte in a line of text with its line, field and character position;
    True when the line has none.

    NUL never belongs in text: it comes from a binary file, a broken export or padding
    of a disk block, and stored it cuts strings short in other tools.
    """
    at = nul_position(line)
    if at is None:
        return True
    field = line.count(delimiter, 0, at - 1)
    column = header[field] if header and field < len(header) else f"field {field + 1}"
    problems.error(shown, line_no, column, f"a NUL byte (\\x00) at character {at} of the line; text files never hold NUL bytes",
                   "the file is damaged or binary: export it again as plain UTF-8 text")
    return False


def read_tsv(
    path: Path,
    problems: Problems,
    required: tuple[str, ...] = (),
    comment: str | None = None,
    delimiter: str = "\t",
    missing_hint: str = "is this the right file type and tool version?",
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {header: value}) for each data row of a delimited file.

    Lines starting with `comment` before the header are skipped. A missing required or a
    duplicated column, a row with the wrong number of fields, a NUL byte or bytes that are
    not UTF-8 become problems with their line number; the rest of the file is still read.
    """
    shown = str(path)
    try:
        fh = open_text(path)
    except TruncatedFile as exc:
        problems.error(shown, None, None, str(exc))
        return
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
                    if not refuse_nul(shown, line_no, line, problems, delimiter=delimiter):
                        return
                    header = [h.strip().lstrip("#") for h in next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE))]
                    if not refuse_duplicate_columns(shown, line_no, header, problems):
                        return
                    missing = [c for c in required if c not in header]
                    if missing:
                        problems.error(
                            shown, line_no, ", ".join(missing),
                            f"required column(s) missing from the header (found: {', '.join(header)})",
                            missing_hint,
                        )
                        return
                    continue
                if not line.strip():
                    continue
                if not refuse_nul(shown, line_no, line, problems, header, delimiter):
                    if problems.full:
                        return
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
