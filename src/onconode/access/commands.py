"""A procedure's commands, declared where the procedure lives (access/dar.py,
access/clinical_request.py) and run by the engine (access/workflow.py).

This module sits below both: the procedures import `command`, `Context` and `Denied` from
here, and the engine imports the procedures, so neither imports the other's importer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from onconode.access.audit import NewEvent
from onconode.access.db import Governance, GovernanceError
from onconode.access.events import Application
from onconode.access.identity import Account
from onconode.access.roles import Role


class Denied(GovernanceError):
    """The actor may not do this now; the message says why and, where possible, what to do."""


@dataclass
class Context:
    gov: Governance
    conn: sa.Connection
    app: Application
    actor: Account
    roles: frozenset[Role]
    at: dt.datetime
    args: dict[str, Any]


Handler = Callable[[Context], list[NewEvent]]


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]
    states: frozenset[str]
    handler: Handler
    doc: str = ""


REGISTRY: dict[str, dict[str, Command]] = {"dar": {}, "clinical": {}}


def command(kind: str, name: str, roles: set[Role], states: set[str], doc: str = "") -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        REGISTRY[kind][name] = Command(name, frozenset(roles), frozenset(states), fn, doc or (fn.__doc__ or "").strip())
        return fn

    return register
