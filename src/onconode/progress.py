"""A tiny progress seam: domain code reports progress, only the CLI draws bars."""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from typing import Callable, Iterator, Protocol


class Progress(Protocol):
    def __call__(self, description: str, total: float | None = None) -> AbstractContextManager[Callable[[float], None]]:
        """Open a task; the yielded function advances it by n."""


@contextmanager
def _silent_task(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    yield lambda n=1: None


silent: Progress = _silent_task
