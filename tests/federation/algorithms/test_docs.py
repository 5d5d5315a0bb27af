"""docs/federated-analysis.md works as written: its Python blocks run in order."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "federated-analysis.md"


def test_every_python_block_of_the_federated_analysis_guide_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 3
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)  # noqa: S102 - our own documentation
    out = capsys.readouterr().out
    assert "ICD-10" in out
    assert "node " in out and ("exceeds 0.33" in out or "saturated" in out or "fewer than" in out)
