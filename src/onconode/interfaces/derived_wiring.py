"""Every package's derived artifacts, declared with the store's registry (`store/derived.py`),
which never imports them: the server and the job workers call `register_derived()` at start
so that a drop or a build by name finds every declaration. A separate module from
`root.py` because the artifacts' builders load DuckDB, Ibis and pyarrow, which the CLI's
root command must not pay for (tests/test_cli_startup.py).
"""

from __future__ import annotations

from onconode.analysis import artifacts as analysis_artifacts
from onconode.beacon import artifacts as beacon_artifacts
from onconode.federation import artifacts as federation_artifacts
from onconode.release import artifacts as release_artifacts


def register_derived() -> list[str]:
    """Declare every package's derived artifacts; returns their names."""
    return [name for package in (analysis_artifacts, release_artifacts, beacon_artifacts, federation_artifacts)
            for name in package.register_all()]

