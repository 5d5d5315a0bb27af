"""Write docs/exchange/<format>.md for every export format, from its declarations:
`python -m onconode.exchange.docs docs/exchange` (tests/exchange fail when a committed
table differs from what this writes)."""

from __future__ import annotations

import sys
from pathlib import Path

from onconode.exchange.coverage import mapping_markdown
from onconode.exchange.formats import FORMATS


def write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(FORMATS):
        path = folder / f"{name}.md"
        path.write_text(mapping_markdown(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_docs(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/exchange")):
        print(p)
