"""JSON input files (Phenopackets, ORANGE records) read within bounds, or refused with a located problem.

Python's JSON parser recurses once per nesting level, so a file nested 200,000 deep ends
in a RecursionError deep inside the parser (or in whatever walks the result next). The
depth is therefore measured on the text before parsing, without recursion, and a file
deeper or larger than any real record is refused with where it goes too deep. Strings
holding NUL (written `\\u0000` in JSON) are refused too: text in the store never holds NUL;
and so is a key given twice in one object, which the parser would resolve by keeping the last.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text

MAX_DEPTH = 64  # Phenopackets v2 nest about 8 deep, ORANGE records about 6
MAX_BYTES = 512 << 20  # an ORANGE record is a few MB, a phenopacket a few kB
# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def too_deep(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """(line, column) of the first bracket that opens level `limit` + 1, or None when the text stays within it."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, m.start()) + 1
                return line, m.start() - text.rfind("\n", 0, m.start())
        elif c in "]}":
            depth -= 1
    return None


def nul_fields(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths (e.g. `subject.id`, `biosamples[0].id`) of strings and keys holding NUL."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:  # a loop, not recursion: the depth is bounded but need not be trusted here
        where, item = stack.pop()
        if isinstance(item, str):
            if "\0" in item:
                yield where or "(the document)"
        elif isinstance(item, dict):
            for key, sub in item.items():
                name = f"{where}.{key}" if where else str(key)
                if "\0" in str(key):
                    yield name
                stack.append((name, sub))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", sub) for i, sub in enumerate(item))


def _object(pairs: list[tuple[str, Any]], repeated: list[str]) -> dict[str, Any]:
    """A JSON object as a dict, noting keys given twice (json.loads would keep the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            repeated.append(key)
        out[key] = value
    return out


def read_json(path: Path, problems: Problems, hint: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """The parsed JSON of `path`, or None with the problems recorded (`hint` says how to get a good copy)."""
    shown = str(path)
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            problems.error(shown, None, None, f"the file is {size:,} bytes, more than the {max_bytes:,} a record may have", hint)
            return None
        with open_text(path) as fh:
            text = fh.read(max_bytes + 1)
    except UnicodeDecodeError as exc:
        problems.error(shown, None, None, f"the file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8 JSON")
        return None
    except (OSError, EOFError, ValueError) as exc:
        problems.error(shown, None, None, f"cannot read the file ({exc})", hint)
        return None
    if len(text) > max_bytes:
        problems.error(shown, None, None, f"the file unpacks to more than the {max_bytes:,} bytes a record may have", hint)
        return None
    deep = too_deep(text, max_depth)
    if deep is not None:
        problems.error(shown, deep[0], f"character {deep[1]}", f"the JSON nests deeper than {max_depth} levels here; no record is that deep",
                       "the file is damaged or not a record of this kind: " + hint)
        return None
    repeated: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, repeated))
    except json.JSONDecodeError as exc:
        problems.error(shown, exc.lineno, f"character {exc.colno}", f"not valid JSON ({exc.msg})", "fix the JSON syntax, or " + hint)
        return None
    except RecursionError:  # unreachable after too_deep with a sane limit; kept so no input ends in a traceback
        problems.error(shown, None, None, "the JSON nests too deep to read", hint)
        return None
    for key in repeated[:20]:
        problems.error(shown, None, key, f"the key {key!r} appears twice in one JSON object; only one of its values could be kept",
                       "remove the duplicate: which value is meant cannot be guessed")
    if repeated:
        return None
    bad = list(nul_fields(data))
    for where in bad[:20]:
        problems.error(shown, None, where, "a NUL character (\\u0000) in the text; text in the store never holds NUL",
                       "remove it: the exporting system wrote binary or padding into the field")
    return None if bad else data


EXPORT_REPORT = "report.json"  # what `onconode export` writes beside the files it exports; not an input


def json_files(path: Path, problems: Problems, what: str) -> list[Path]:
    """`path` itself, or the `*.json` files of the folder `path` in name order; a missing
    path or a folder without any is a located problem (`what` names what to point at)."""
    if path.is_dir():
        found = sorted(p for p in path.glob("*.json") if p.is_file() and p.name != EXPORT_REPORT)
        if not found:
            problems.error(str(path), None, None, "no *.json files in the folder", f"point the command at {what}")
        return found
    if not path.is_file():
        problems.error(str(path), None, None, "no such file or folder", "check the path")
        return []
    return [path]
