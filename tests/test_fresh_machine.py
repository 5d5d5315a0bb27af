"""The README's test command works on a fresh machine, where no `onconode` is on PATH.

Every program the suite or the product starts runs through the interpreter under test
(`sys.executable -m onconode`), so a test can never pass only because someone once
installed onconode by hand. `scripts/test` (and so `.ci/run`) runs the suite with a PATH
that holds no `onconode` at all, which makes a bare call fail loudly.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTERS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec", "execvp", "execv", "spawnvp"}


def _starts_program(call: ast.Call) -> bool:
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return name in STARTERS


def _first_word(node: ast.AST) -> str | None:
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts and isinstance(node.elts[0], ast.Constant):
        return str(node.elts[0].value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.split() else None
    return None


def bare_onconode_calls(paths: list[Path]) -> list[str]:
    """Places that start a program whose argv[0] is a bare `onconode` (found only on PATH)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and _starts_program(node) and node.args:
                if _first_word(node.args[0]) == "onconode":
                    found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}")
    return found


def test_no_test_or_product_code_starts_a_bare_onconode():
    sources = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "src").rglob("*.py"))
    assert bare_onconode_calls(sources) == [], "start onconode as [sys.executable, '-m', 'onconode', ...]"


def test_the_detector_finds_a_bare_call(tmp_path: Path):
    sample = tmp_path / "bare_call.py"
    sample.write_text('import subprocess\nsubprocess.run(["onconode", "stats"])\nsubprocess.run("onconode stats", shell=True)\n')
    assert bare_onconode_calls([sample]) == [f"{sample}:2", f"{sample}:3"]


def test_the_test_script_hides_every_onconode_on_path(tmp_path: Path):
    """scripts/test filters PATH, so a hand-installed onconode cannot make a test pass."""
    decoy = tmp_path / "bin"
    decoy.mkdir()
    (decoy / "onconode").write_text("#!/bin/sh\necho decoy\n")
    (decoy / "onconode").chmod(0o755)
    env = {**os.environ, "PATH": f"{decoy}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = "source scripts/path-without-onconode; command -v onconode || echo none"
    out = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "none"
    assert shutil.which("bash", path=env["PATH"])


def test_the_suite_runs_under_the_interpreter_under_test():
    """The product's CLI answers through `sys.executable -m onconode` without any PATH entry."""
    out = subprocess.run([sys.executable, "-m", "onconode", "--help"], capture_output=True, text=True,
                         env={**os.environ, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0 and "ingest" in out.stdout
