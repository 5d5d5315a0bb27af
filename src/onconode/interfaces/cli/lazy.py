"""Command groups that load their module when they are used.

Every `onconode` command module imports what it needs at its top, as modules should; the
price of that is paid only by the command that runs. `onconode access user list` loads
cli/access.py (SQLAlchemy, Alembic), never cli/analysis.py (Ibis, statsmodels), and
`onconode --help` loads neither: it lists each group with the one-line help given here.
This is click's documented pattern for lazily loaded subcommands, on Typer's group class.
"""

from __future__ import annotations

import importlib
from typing import Any

import click
import typer
from typer.core import TyperGroup


class LazyGroups(TyperGroup):
    """A Typer group whose sub-groups named in `lazy` (name -> ("module:attribute", help))
    are imported when invoked or when their own help is asked for."""

    lazy: dict[str, tuple[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = super().list_commands(ctx)
        return eager + [name for name in self.lazy if name not in eager]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            target, help_text = self.lazy[cmd_name]
            if self._listing:  # the root help lists the group: no need to import it
                return click.Command(cmd_name, help=help_text, short_help=help_text)
            module, attribute = target.split(":")
            group = typer.main.get_group(getattr(importlib.import_module(module), attribute))
            group.help = group.help or help_text
            self.add_command(group, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
