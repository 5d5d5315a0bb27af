"""Where the node's data lives; the settings (onconode.settings.Settings) load on first use.

`from onconode.config import Settings` still works: the name is resolved lazily (PEP 562),
so a CLI command that only needs its --home does not pay for importing pydantic-settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onconode.settings import Settings

DEFAULT_HOME = Path("onconode-data")


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from onconode.settings import Settings

        return Settings
    raise AttributeError(f"module 'onconode.config' has no attribute {name!r}")


def resolve_home(home: Path | None) -> Path:
    """--home wins, then $ONCONODE_HOME, then ./onconode-data."""
    if home is not None:
        return home
    env = os.environ.get("ONCONODE_HOME")
    return Path(env) if env else DEFAULT_HOME
