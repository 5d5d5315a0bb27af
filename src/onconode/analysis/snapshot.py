"""What every analysis reads from: anything with `.table(name) -> ibis.Table` — the store
at a freeze on DuckDB (`Store.snapshot`) or an exported freeze on PySpark
(`store.parquet.ParquetSnapshot`). Its own module so the lowest analysis modules
(alterations) can name it without importing the queries built on them."""

from __future__ import annotations

from typing import Protocol

import ibis.expr.types as ir


class Snapshot(Protocol):
    def table(self, name: str) -> ir.Table: ...
