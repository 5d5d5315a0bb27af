"""Every package's derived artifacts, declared with the store's registry (`store/derived.py`),
which never imports them: the server and the job workers call `register_derived()` at start
so that a drop or a build by name finds every declaration. A separate module from
`root.py` because the artifacts' builders load DuckDB, Ibis and pyarrow, which the CLI's
root command must not pay for (tests/test_cli_startup.py).
"""

from __future__ import annotations

from pathlib import Path

from onconode.access.db import DB_FILE, open_governance, resolve_url
from onconode.analysis import artifacts as analysis_artifacts
from onconode.beacon import artifacts as beacon_artifacts
from onconode.federation import artifacts as federation_artifacts
from onconode.release import artifacts as release_artifacts
from onconode.store import Store, derived_jobs


def register_derived() -> list[str]:
    """Declare every package's derived artifacts; returns their names."""
    return [name for package in (analysis_artifacts, release_artifacts, beacon_artifacts, federation_artifacts)
            for name in package.register_all()]


def queue_builds(home: Path) -> list[int]:
    """After a writer published the store: queue a job per derived artifact the node serves
    that its new state lacks (`derived_jobs.enqueue_wanted`); returns the job ids. A home
    without a governance database (a store only, no server has run) has no queue and no
    worker: nothing is queued and the first use builds what it needs."""
    home = Path(home)
    url = resolve_url(home)
    if url == f"sqlite:///{home / DB_FILE}" and not (home / DB_FILE).exists():
        return []
    register_derived()
    with Store.open(home, read_only=True) as store, open_governance(home) as gov:
        return derived_jobs.enqueue_wanted(gov.engine, store)
