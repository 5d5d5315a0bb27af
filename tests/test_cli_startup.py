"""Starting `onconode` costs what the command needs, not what every command needs.

The root command, the composition root it calls and the table of command groups import no
data or web stack: a command group's module (and its DuckDB, SQLAlchemy, statsmodels...)
loads only when that group runs (interfaces/cli/lazy.py). A fresh interpreter checks it,
so a module-top import that drags a heavy stack onto every command fails here.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("duckdb", "ibis", "pyarrow", "pandas", "sqlalchemy", "statsmodels", "fastapi", "pydantic_settings")


def loaded_after(code: str) -> list[str]:
    probe = f"{code}; import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return eval(run.stdout.strip().splitlines()[-1])


def test_the_root_command_and_its_wiring_load_no_heavy_dependency():
    code = "from onconode.interfaces.cli.main import app; from onconode.interfaces.root import wire; wire()"
    assert loaded_after(code) == []


def test_the_root_help_lists_every_group_without_loading_one():
    code = ("from onconode.interfaces.cli.main import app; "
            "app(['--help'], standalone_mode=False)")
    assert loaded_after(code) == []


def test_a_group_loads_its_own_stack_when_it_runs():
    code = ("from onconode.interfaces.cli.main import app; "
            "app(['access', '--help'], standalone_mode=False)")
    assert "sqlalchemy" in loaded_after(code)
