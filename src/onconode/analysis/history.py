"""Per-requester query history for the differencing guard of federated tasks.

Analyses at a node's own interfaces need no history: their counts are perturbed by the
cell-key method, so differencing overlapping answers yields noise. A federation node's
model partials (GLM, Cox, KM risk tables) are not perturbed, so its gate keeps this
guard for them (`federation.agent`). The guard must remember which patient sets a user has already received aggregates
about, across sessions and processes, so it is persisted: one JSON-lines file per user
in `<store home>/analysis/history/`, named by a hash of the user id (user ids may hold
characters a file name cannot). Each line is one distinct cohort (sorted patient ids);
a cohort already in the history is not written again. The files stay on the node.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Iterable


def fingerprint(patients: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(patients)).encode()).hexdigest()


class QueryHistory:
    """Cohorts (as patient-id sets) each user has queried, persisted under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _file(self, user: str) -> Path:
        return self.folder / f"{hashlib.sha256(user.encode()).hexdigest()[:32]}.jsonl"

    def cohorts(self, user: str) -> list[frozenset[str]]:
        path = self._file(user)
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as fh:
            return [frozenset(json.loads(line)["patients"]) for line in fh if line.strip()]

    def record(self, user: str, patients: Iterable[str]) -> None:
        ids = sorted(set(patients))
        fp = fingerprint(ids)
        path = self._file(user)
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                if any(json.loads(line).get("fingerprint") == fp for line in fh if line.strip()):
                    return
        self.folder.mkdir(parents=True, exist_ok=True)
        line = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "fingerprint": fp, "patients": ids}
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
