"""Data-access governance: accounts with MFA, the DAR and Clinical Request procedures as
event-sourced workflows, DUO matching, licences, visas, notifications and the audit trail.

The public names load on first use, so the CLI can import `onconode.interfaces.cli.access` without
paying for SQLAlchemy and Alembic on every command.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Governance": "onconode.access.db",
    "GovernanceError": "onconode.access.db",
    "open_governance": "onconode.access.db",
    "can_download": "onconode.access.entitlements",
    "Denied": "onconode.access.workflow",
    "create": "onconode.access.workflow",
    "execute": "onconode.access.workflow",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'onconode.access' has no attribute {name!r}")
