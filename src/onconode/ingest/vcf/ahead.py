"""Work on the next item on a worker thread while the caller handles the current one.

The VCF ingest is a pipeline of stages that each release the GIL: inflate (ISA-L), the
bulk tokenizer (C), and the store's insert that pulls the converted batches. Each stage
but the last runs one item ahead on a worker thread of this one shape, so the stages
overlap on the cores. At most `depth` results wait per stage, so memory stays bounded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()
THREAD_NAME = "onconode-ahead"


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def ahead(items: Iterator[T], work: Callable[[T], R], depth: int = 1) -> Iterator[tuple[T, R]]:
    """(item, work(item)) in order, computed on a worker thread; the worker's exceptions are raised here.

    Closing the generator early stops the worker and waits for it, so whatever `work` uses
    can be released right after.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put((item, work(item)))
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer, who raises it where it makes sense
            q.put(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=THREAD_NAME, daemon=True)
    thread.start()
    try:
        while True:
            got = q.get()
            if got is _DONE:
                return
            if isinstance(got, _Failed):
                raise got.exc
            yield got
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _same(item: T) -> T:
    return item


def background(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of `items`, produced on a worker thread (e.g. a generator that decompresses); its errors raised here."""
    stream = ahead(items, _same, depth)
    try:
        for item, _ in stream:
            yield item
    finally:
        stream.close()
