"""Settings: embedded defaults, overridden by ONCONODE_* environment variables or a TOML file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path("onconode-data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONCONODE_", toml_file=os.environ.get("ONCONODE_CONFIG", "onconode.toml"))

    home: Path = DEFAULT_HOME
    node_name: str = "demo-node"
    default_ref_genome: str = "GRCh38"
    demo_patients: int = 2000
    log_level: str = "WARNING"


def resolve_home(home: Path | None) -> Path:
    """--home wins, then $ONCONODE_HOME, then ./onconode-data."""
    if home is not None:
        return home
    env = os.environ.get("ONCONODE_HOME")
    return Path(env) if env else DEFAULT_HOME
