"""The node's settings: embedded defaults, overridden by ONCONODE_* environment variables or a TOML file.

Kept apart from onconode.config because pydantic-settings costs ~0.25 CPU s to import and
most CLI commands (an ingest, stats) never read a setting; `onconode.config.Settings` loads
this module on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from onconode.config import DEFAULT_HOME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONCONODE_", toml_file=os.environ.get("ONCONODE_CONFIG", "onconode.toml"))

    home: Path = DEFAULT_HOME
    node_name: str = "demo-node"
    default_ref_genome: str = "GRCh38"
    demo_patients: int = 2000
    log_level: str = "WARNING"
    # Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For / -Proto the server
    # believes; empty: none, the client is the socket's peer (docs/security.md).
    trusted_proxies: list[str] = []
