"""The registry of job kinds: each kind's handler, registered by the package that owns
the work (release/, beacon/, access/ …) and wired by the interfaces at start, so the
queue (`db.jobs`) and the worker never import domain code and a new kind is one
`register` call (the Datasette way: built-ins use the same seam a plugin would).

A handler is `handler(ctx, params) -> result` (anything JSON can hold). It must be
idempotent: a worker killed mid-job leaves the job to be run again from the start.
Raise `Permanent` for a failure another attempt cannot fix (the job fails at once with
the message); any other exception is retried until the kind's attempts are used up.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from onconode.progress import Progress


class Permanent(Exception):
    """A job failure that retrying cannot fix; its message is shown to the office."""


class Cancelled(Exception):
    """Raised inside a handler at a progress report once the job is no longer its worker's
    (cancelled by the office, or its lease lost): stop, publish nothing."""


@dataclass
class Context:
    """What a handler gets: the node's home, the worker's open governance handle (an
    `access.db.Governance`, passed in by the worker), and `report(fraction, message)`,
    which records progress and raises `Cancelled` when the handler must stop."""

    job_id: int
    home: Path
    gov: Any
    report: Callable[[float, str], None]


Handler = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Handler
    max_attempts: int = 3
    every_seconds: float | None = None  # periodic: the worker keeps one due job scheduled
    description: str = ""
    private: tuple[str, ...] = ()  # parameters never shown and erased once the job is done (a mail's body may hold a link)


_KINDS: dict[str, Kind] = {}

# Kinds an earlier onconode queued and this one no longer runs: a worker fails their queued
# jobs with the reason (a node upgraded with such jobs waiting would otherwise keep them forever).
RETIRED = {
    "variant-snapshot": "retired: a release's variant snapshot is a derived artifact now, built by derived-build jobs "
                        "after every write (`onconode jobs list --kind derived-build`); nothing to do",
    "beacon-positions": "retired: the Beacon position index is built by derived-build jobs after every freeze and "
                        "withdrawal; to build one now: `onconode beacon index --freeze NAME --background`",
}


def register(name: str, handler: Handler, *, max_attempts: int = 3, every_seconds: float | None = None,
             description: str = "", private: tuple[str, ...] = ()) -> None:
    """Declare a job kind (registering the same kind again replaces it: idempotent wiring)."""
    _KINDS[name] = Kind(name, handler, max_attempts, every_seconds, description, private)


HIDDEN = "(hidden)"


def shown_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """A job's parameters as the office may see them: private ones hidden."""
    private = _KINDS[name].private if name in _KINDS else ()
    return {k: (HIDDEN if k in private else v) for k, v in params.items()}


def kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no handler for job kind {name!r} in this process; known kinds: {', '.join(sorted(_KINDS)) or 'none'}"
                          " (the composition root registers them at start)") from None


def kinds() -> list[Kind]:
    return [_KINDS[k] for k in sorted(_KINDS)]


def every_seconds(name: str) -> float | None:
    """The period of a periodic kind; None for one-off kinds and unknown ones."""
    found = _KINDS.get(name)
    return found.every_seconds if found else None


def periodic() -> list[Kind]:
    return [k for k in kinds() if k.every_seconds]


def progress_of(ctx: Context) -> Progress:
    """The domain's progress seam (`onconode.progress`) writing into the job row: the
    fraction of the current task done, with its description as the message."""

    @contextmanager
    def task(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        done = [0.0]
        ctx.report(0.0, description)

        def advance(n: float = 1) -> None:
            done[0] += n
            ctx.report(done[0] / total if total else 0.0, description)

        yield advance

    return task
