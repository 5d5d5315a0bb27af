"""After-commit listeners: how other parts of the node react to governance events
without access/ depending on them.

Access governance only announces what happened: after a command's events are committed
(`workflow.execute`, `workflow.system_append`), every registered listener is called with
the governance handle, the application's new state and the appended events. A listener
is named by its dotted path ("package.module:function") and imported only when events
arrive, so registering one costs nothing and access/ never imports its listeners' code
(DESIGN: release asks access, not the other way round; the release module registers its
automatic build here).

The events are already committed when listeners run: a listener that fails cannot undo
the command, so its error is logged and the next listener still runs.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

Listener = Callable[[Any, Any, list[Any]], None]
_REGISTERED: list[str] = []


def register(target: str) -> None:
    """Call `package.module:function(gov, app, events)` after every committed command
    (idempotent: registering the same target twice calls it once)."""
    if ":" not in target:
        raise ValueError(f"listener {target!r} must be 'package.module:function'")
    if target not in _REGISTERED:
        _REGISTERED.append(target)


def unregister(target: str) -> None:
    if target in _REGISTERED:
        _REGISTERED.remove(target)


def registered() -> list[str]:
    return list(_REGISTERED)


def _resolve(target: str) -> Listener:
    module, name = target.split(":", 1)
    return getattr(importlib.import_module(module), name)


def dispatch(gov: Any, app: Any, events: list[Any]) -> None:
    """Tell every listener about committed `events`; a failing listener is logged, not raised."""
    if not events:
        return
    for target in list(_REGISTERED):
        try:
            _resolve(target)(gov, app, events)
        except Exception:  # the command is committed; a listener cannot undo it
            log.exception("listener %s failed on %s (%s)", target, app.id, ", ".join(e.type for e in events))
