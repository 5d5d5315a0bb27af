"""The VCF tokenizer (ingest/vcf/_scan.c, the one C extension onconode keeps: no library
reaches the ingest target, see docs/ingest-vcf.md) is fuzzed with hypothesis under
AddressSanitizer and UndefinedBehaviorSanitizer (`scripts/sanitize`): random chunks,
broken records and bad arguments never crash it. The harness itself is checked to
catch a planted out-of-bounds read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = ROOT / "scripts" / "sanitize"


def _run(tmp_path: Path, examples: int, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SANITIZE)], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHON": sys.executable, "ONCONODE_FUZZ_EXAMPLES": str(examples),
                               "TMPDIR": str(tmp_path), **env})


def test_the_vcf_tokenizer_survives_fuzzing_under_address_and_undefined_behaviour_sanitizers(tmp_path: Path):
    run = _run(tmp_path, 600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    assert run.stdout.count("no crash") == 3


def test_the_sanitized_fuzz_catches_a_planted_out_of_bounds_read(tmp_path: Path):
    source = (ROOT / "src/onconode/ingest/vcf/_scan.c").read_text()
    anchor = "    const char *bytes = data.buf;\n"
    assert anchor in source
    planted = tmp_path / "_scan.c"
    planted.write_text(source.replace(anchor, anchor + "    volatile char oob = bytes[data.len + 1]; (void)oob;\n", 1))
    run = _run(tmp_path, 20, SCAN_SOURCE=str(planted))
    assert run.returncode != 0
    assert "AddressSanitizer: heap-buffer-overflow" in run.stderr
