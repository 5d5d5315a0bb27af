"""Genomes of many samples generated on every core, delivered in cohort order.

Samples are grouped into chunks of about CHUNK_ROWS somatic variants (the grouping is
decided up front from the burdens, so it does not depend on timing). Worker processes
generate a chunk's tables and send its variants back as one Arrow IPC stream; the parent
receives chunks strictly in order, so the rows, and therefore the store, are the same
whatever the number of workers. At most two chunks per worker are in flight, which keeps
memory bounded however large the cohort.

Workers are forked before the store starts writing (the parent holds a DuckDB
connection whose threads must be idle at the fork), and inherit the loaded reference;
they never touch the store.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import pyarrow as pa

from onconode.synth.cohort import SampleParams
from onconode.synth.genome import DEFAULT_GENERATION, SMALL_TABLES, sample_tables, scaled_count
from onconode.synth.copynumber import panel
from onconode.synth.reference import layout

CHUNK_ROWS = 400_000
SERIAL_BELOW_ROWS = 2_000_000   # smaller cohorts: starting workers costs more than it saves


@dataclass
class Chunk:
    samples: int
    tables: dict[str, pa.Table]   # the small per-sample tables, concatenated
    variants: pa.Table


def chunks(params: Sequence[SampleParams], median_variants: int | None,
           rows: int | None = None) -> list[list[SampleParams]]:
    """Consecutive samples grouped to about `rows` (default CHUNK_ROWS) variants each."""
    rows = CHUNK_ROWS if rows is None else rows
    out: list[list[SampleParams]] = []
    current: list[SampleParams] = []
    total = 0
    for p in params:
        current.append(p)
        total += scaled_count(p, median_variants)
        if total >= rows:
            out.append(current)
            current, total = [], 0
    if current:
        out.append(current)
    return out


def generate(seed: int, params: Sequence[SampleParams], median_variants: int | None,
             generation: str = DEFAULT_GENERATION) -> Chunk:
    """Every genomic table of the samples, one table each (what a worker computes)."""
    parts: dict[str, list[pa.Table]] = {}
    for p in params:
        for name, t in sample_tables(seed, p, median_variants, generation=generation).items():
            parts.setdefault(name, []).append(t)
    tables = {name: pa.concat_tables(parts[name]) for name in SMALL_TABLES}
    return Chunk(len(params), tables, pa.concat_tables(parts["somatic_variant"]).combine_chunks())


def _work(seed: int, params: Sequence[SampleParams], median_variants: int | None, generation: str) -> tuple[int, dict, pa.Buffer]:
    c = generate(seed, params, median_variants, generation)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, c.variants.schema) as writer:
        writer.write_table(c.variants)
    return c.samples, c.tables, sink.getvalue()


def _warm() -> None:
    """Load the reference once per worker, before its first chunk."""
    layout()
    panel()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@contextmanager
def genomes(seed: int, params: Sequence[SampleParams], median_variants: int | None,
            workers: int | None = None, generation: str = DEFAULT_GENERATION) -> Iterator[Iterator[Chunk]]:
    """Chunks of generated genomes in cohort order, on `workers` processes (default: one
    per core; small cohorts, and platforms without fork, are generated in this process).

    Enter it before the store starts writing: the worker processes are forked on entry,
    while DuckDB's threads are idle, and stopped on exit (also on error).
    """
    groups = chunks(params, median_variants)
    total = sum(scaled_count(p, median_variants) for p in params)
    n = default_workers() if workers is None else workers
    serial = (n <= 1 or len(groups) <= 1 or (workers is None and total < SERIAL_BELOW_ROWS)
              or "fork" not in mp.get_all_start_methods())
    if serial:
        yield (generate(seed, g, median_variants, generation) for g in groups)
        return
    _warm()   # the children inherit the loaded reference
    pool = mp.get_context("fork").Pool(n)
    try:
        yield _ordered(pool, n, seed, groups, median_variants, generation)
    finally:
        pool.terminate()
        pool.join()


def _ordered(pool, n: int, seed: int, groups: list[list[SampleParams]], median_variants: int | None,
             generation: str) -> Iterator[Chunk]:
    """Results in submission order, with at most 2n chunks in flight."""
    todo = iter(groups)
    pending: deque = deque()
    for g in todo:
        pending.append(pool.apply_async(_work, (seed, g, median_variants, generation)))
        if len(pending) >= 2 * n:
            break
    while pending:
        samples, tables, buf = pending.popleft().get()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(pool.apply_async(_work, (seed, nxt, median_variants, generation)))
        yield Chunk(samples, tables, pa.ipc.open_stream(buf).read_all())
