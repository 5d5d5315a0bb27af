"""Work on the next items on a worker thread while the caller handles the current one.

The VCF ingest is a pipeline of stages that each release the GIL: inflate (ISA-L), the
bulk tokenizer (C), and the store's insert that pulls the converted batches. Each stage
but the last runs ahead on a worker thread of this one shape, so the stages overlap on
the cores. At most `depth` results wait per stage, so memory stays bounded. The worker
starts when the stage is created, not at its first use, so a stage can be started early
(the inflate starts while the command is still importing its libraries).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()
THREAD_NAME = "onconode-ahead"


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Stage(Generic[T, R]):
    """(item, work(item)) in order from a worker thread; the worker's exceptions are raised
    to the consumer. `close()` (also at the end, on an error, or as a context manager) stops
    the worker and waits for it, so whatever `work` uses can be released right after."""

    def __init__(self, items: Iterator[T], work: Callable[[T], R], depth: int = 1) -> None:
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._items = items
        self._work = work
        self._thread = threading.Thread(target=self._produce, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for item in self._items:
                if self._stop.is_set():
                    return
                self._q.put((item, self._work(item)))
            self._q.put(_DONE)
        except BaseException as exc:  # handed to the consumer, who raises it where it makes sense
            self._q.put(_Failed(exc))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> "Stage[T, R]":
        return self

    def __next__(self) -> tuple[T, R]:
        got = self._q.get()
        if got is _DONE:
            self.close()
            raise StopIteration
        if isinstance(got, _Failed):
            self.close()
            raise got.exc
        return got

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._q.get_nowait()
            except queue.Empty:
                self._thread.join(0.05)

    def __enter__(self) -> "Stage[T, R]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ahead(items: Iterator[T], work: Callable[[T], R], depth: int = 1) -> Stage[T, R]:
    """(item, work(item)) in order, computed on a worker thread."""
    return Stage(items, work, depth)


class _Items(Generic[T]):
    """The items alone of a stage that does no work on them."""

    def __init__(self, stage: Stage[T, T]) -> None:
        self._stage = stage

    def __iter__(self) -> "_Items[T]":
        return self

    def __next__(self) -> T:
        return next(self._stage)[0]

    def close(self) -> None:
        self._stage.close()


def _same(item: T) -> T:
    return item


def background(items: Iterator[T], depth: int = 1) -> _Items[T]:
    """The items of `items`, produced on a worker thread (e.g. a generator that decompresses); its errors raised here."""
    return _Items(Stage(items, _same, depth))
