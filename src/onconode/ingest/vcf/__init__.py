"""Somatic VCF reader: cyvcf2 for the header, a columnar bulk path for speed, a careful path for the rest.

The names load lazily: `onconode ingest vcf` imports `body` first to start inflating the
file while the rest (pyarrow, DuckDB, cyvcf2) is still being imported.
"""

from typing import Any

__all__ = ["VcfLoad", "ingest_vcf", "load_somatic_vcf"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        # lazy: load.py imports pyarrow, DuckDB and cyvcf2 (1.4 s cold); `body` starts inflating first
        from onconode.ingest.vcf import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
