"""After-commit listeners: how other parts of the node react to governance events
without access/ depending on them.

Access governance only announces what happened: after a command's events are committed
(`workflow.execute`, `workflow.system_append`), every registered listener is called with
the governance handle, the application's new state and the appended events. The node's
composition root (`onconode.interfaces.root.wire`) registers the listeners, as functions,
when the CLI or the server starts, so access/ never imports its listeners' code (DESIGN:
release asks access, not the other way round).

The events are already committed when listeners run: a listener that fails cannot undo
the command, so its error is logged and the next listener still runs.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

Listener = Callable[[Any, Any, list[Any]], None]
_REGISTERED: list[Listener] = []


def register(listener: Listener) -> None:
    """Call `listener(gov, app, events)` after every committed command (idempotent:
    registering the same function twice calls it once)."""
    if listener not in _REGISTERED:
        _REGISTERED.append(listener)


def unregister(listener: Listener) -> None:
    if listener in _REGISTERED:
        _REGISTERED.remove(listener)


def registered() -> list[Listener]:
    return list(_REGISTERED)


def dispatch(gov: Any, app: Any, events: list[Any]) -> None:
    """Tell every listener about committed `events`; a failing listener is logged, not raised."""
    if not events:
        return
    for listener in list(_REGISTERED):
        try:
            listener(gov, app, events)
        except Exception:  # the command is committed; a listener cannot undo it
            name = f"{listener.__module__}.{listener.__qualname__}"
            log.exception("listener %s failed on %s (%s)", name, app.id, ", ".join(e.type for e in events))
