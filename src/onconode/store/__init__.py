"""The versioned analytical store."""

from onconode.store.store import Freeze, Store, StoreError, StoreSnapshot, Version
from onconode.store.transaction import IngestTransaction, IntegrityError

__all__ = ["Freeze", "Store", "StoreError", "StoreSnapshot", "Version", "IngestTransaction", "IntegrityError"]
