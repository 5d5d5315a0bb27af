"""Where the node's data lives (--home, $ONCONODE_HOME, ./onconode-data).

Kept apart from the settings (onconode.settings.Settings, pydantic-settings) so a command
that only needs its --home does not pay for importing them.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = Path("onconode-data")


def resolve_home(home: Path | None) -> Path:
    """--home wins, then $ONCONODE_HOME, then ./onconode-data."""
    if home is not None:
        return home
    env = os.environ.get("ONCONODE_HOME")
    return Path(env) if env else DEFAULT_HOME
