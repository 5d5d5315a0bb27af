"""Data-access governance: accounts with MFA, the DAR and Clinical Request procedures as
event-sourced workflows, DUO matching, licences, visas, notifications and the audit trail.

Importing the package registers both procedures' commands.
"""

from onconode.access import clinical_request as _clinical  # noqa: F401  (registers commands)
from onconode.access import dar as _dar  # noqa: F401
from onconode.access.db import Governance, GovernanceError, open_governance
from onconode.access.entitlements import can_download
from onconode.access.workflow import Denied, create, execute

__all__ = ["Governance", "GovernanceError", "Denied", "open_governance", "can_download", "create", "execute"]
