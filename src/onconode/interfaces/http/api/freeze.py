"""The snapshot a request reads: the freeze it asks for, else the freeze of a saved cohort
it uses, else the newest freeze (`analysis.catalogue.choose_freeze`), under the node's
store lock for the whole request. An unknown freeze is a 404 naming the known ones."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from fastapi import HTTPException

from onconode.analysis.catalogue import choose_freeze
from onconode.store.store import StoreError


@contextmanager
def freeze_snapshot(node: Any, requested: str | None, saved_on: Sequence[str | None] = ()) -> Iterator[Any]:
    with node.snapshot(None) as current:  # the lock is re-entrant: held until the answer is computed
        chosen = choose_freeze(current.store, requested, saved_on)
        try:
            current.store.resolve(chosen)
        except StoreError as exc:
            raise HTTPException(404, str(exc)) from None
        with node.snapshot(chosen) as snap:
            yield snap
