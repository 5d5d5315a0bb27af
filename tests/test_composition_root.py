"""One composition root wires the node's reactions at start (DESIGN.md, layer 4).

Importing a module has no side effects on other modules: the governance listeners are
registered by `onconode.interfaces.root.wire()`, which both interfaces call when they
start — the CLI before any command, the HTTP app in `create_app` — and by nothing else.
Each check runs in a fresh interpreter, so what another test registered cannot hide a gap.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REGISTERED = "from onconode.access import listeners; print([f'{f.__module__}.{f.__name__}' for f in listeners.registered()])"


def python(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def test_importing_the_interfaces_registers_nothing():
    code = ("import onconode.interfaces.http.api.release, onconode.interfaces.cli.release, "
            "onconode.interfaces.http.app, onconode.release.auto; " + REGISTERED)
    assert python(code) == "[]"


def test_the_cli_wires_the_automatic_release_build_before_a_command_runs(tmp_path: Path):
    code = ("from onconode.interfaces.cli.main import app; "
            f"app(['--home', {str(tmp_path)!r}, 'schema'], standalone_mode=False); " + REGISTERED)
    assert python(code) == "['onconode.release.auto.on_committed']"


def test_the_http_app_wires_the_same_reactions_when_it_is_created(tmp_path: Path):
    code = ("from pathlib import Path; from onconode.store import Store; "
            "from onconode.interfaces.http.app import create_app; from onconode.interfaces.http.node import Node; "
            f"home = Path({str(tmp_path / 'node')!r}); Store.init(home).close(); "
            "create_app(Node(home)); " + REGISTERED)
    assert python(code) == "['onconode.release.auto.on_committed']"


@pytest.mark.parametrize("calls", [1, 3])
def test_wiring_twice_registers_each_reaction_once(calls: int):
    code = f"from onconode.interfaces.root import wire; [wire() for _ in range({calls})]; " + REGISTERED
    assert python(code) == "['onconode.release.auto.on_committed']"
