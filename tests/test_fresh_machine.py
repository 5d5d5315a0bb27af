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


def _names_onconode(node: ast.AST) -> bool:
    """An argv that runs `onconode` found on PATH: as a list element (first, or after a
    wrapper such as /usr/bin/time), or as the first word of a shell string."""
    if isinstance(node, (ast.List, ast.Tuple)):
        words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
        return any(w == "onconode" and (i == 0 or words[i - 1] != "-m") for i, w in enumerate(words))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[:1] == ["onconode"]
    return False


def bare_onconode_calls(paths: list[Path]) -> list[str]:
    """Places that start a program whose argv[0] is a bare `onconode` (found only on PATH)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and _starts_program(node) and node.args:
                if _names_onconode(node.args[0]):
                    found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}")
    return found


def test_no_test_or_product_code_starts_a_bare_onconode():
    sources = [p for folder in ("tests", "src", "benchmarks", "scripts") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert bare_onconode_calls(sources) == [], "start onconode as [sys.executable, '-m', 'onconode', ...]"


def test_the_detector_finds_a_bare_call(tmp_path: Path):
    sample = tmp_path / "bare_call.py"
    bare = "onconode"   # the sample file is the detector's input, never run
    sample.write_text(f'import subprocess\nsubprocess.run(["{bare}", "stats"])\nsubprocess.run("{bare} stats", shell=True)\n'
                      f'subprocess.run(["/usr/bin/time", "-v", "{bare}", "stats"])\n')
    assert bare_onconode_calls([sample]) == [f"{sample}:2", f"{sample}:3", f"{sample}:4"]


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
