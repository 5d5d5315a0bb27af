"""Start pyarrow without importing pandas, for commands that never give it pandas objects.

On its first array pyarrow probes whether pandas is installed (to recognise pandas
inputs), and the probe imports all of pandas: about a third of a second of serial start-up
in `onconode ingest vcf`, 7 % of a million-record ingest. A probe that finds no pandas is
not final: pyarrow imports pandas again the moment a pandas conversion really needs it
(`to_pandas`, `from_pandas`), so nothing is lost. Only pandas objects handed to `pa.array`
would no longer be recognised as such, which is why this is for a command's own process
and does nothing where pandas is already loaded (a test run, a server).
"""

from __future__ import annotations

import sys

import pyarrow as pa


class _NoPandas:
    """An import finder that reports pandas as missing (for the probe only)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is kept out of pyarrow's start-up probe", name=name)
        return None


def without_pandas_probe() -> None:
    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(finder)
