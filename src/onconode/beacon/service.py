"""Answering one Beacon query: search the store, decide per dataset what the requester may
see (analysis/beacon_rules.py), and build the response.

Granularity is decided per dataset: records for datasets a visa grants, blurred counts
for a registered user, a boolean otherwise. The response's `returnedGranularity` is the
most any dataset got; a dataset that got less appears with an empty `results` list, its
blurred count and its own granularity in `info`, plus a handover to apply for access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.analysis.beacon_rules import ORDER, QueryBudget, Requester, allowed_granularity, blur, granted
from onconode.analysis.disclosure import DisclosureSettings
from onconode.beacon import fast, records, responses, search
from onconode.beacon.info import BY_PATH, BeaconInfo
from onconode.beacon.positions import NAME, PositionIndex, index_of
from onconode.beacon.request import BeaconQuery
from onconode.beacon.search import Scope
from onconode.store import derived



@dataclass
class BeaconService:
    info: BeaconInfo
    settings: DisclosureSettings
    budget: QueryBudget
    home: Path | None = None
    # opened indexes by folder (whose name is the registry key, so a withdrawal makes the
    # next lookup find another folder or none)
    _positions: dict[Path, PositionIndex] = field(default_factory=dict)
    # per store version: every dataset id (no process can write the store while a server
    # holds it open read-only; a copy made by dataclasses.replace shares this dict)
    _datasets: dict[derived.Key, list[str]] = field(default_factory=dict)

    def positions(self, snap: Any) -> PositionIndex | None:
        """The freeze's position index (positions.py), if it is built for the store's
        current key (same version, no withdrawal since): else the Beacon answers from the
        store until `onconode beacon index` (or a job) builds it."""
        if self.home is None or snap.freeze is None:
            return None
        path = index_of(snap.store, snap.freeze)
        if path is None:
            return None
        if path not in self._positions:
            for old in [p for p in self._positions if p.parent == path.parent]:
                del self._positions[old]   # another key's index: stale
            self._positions[path] = PositionIndex(path)
        return self._positions[path]

    def index_location(self, snap: Any) -> Path | None:
        """Where the registry keeps the freeze's position index for the snapshot's key,
        built or not (None: the Beacon serves no freeze, or has no home)."""
        if self.home is None or snap.freeze is None:
            return None
        return derived.location(snap.store.home, NAME, derived.key(snap.store, snap.version))

    def served(self, snap: Any) -> tuple[list[str], PositionIndex | None]:
        """(every dataset id, the position index) of the snapshot, looked up once: what the
        lock-free path (`position_counts`) needs."""
        key = derived.key(snap.store, snap.version)
        if key not in self._datasets:
            self._datasets[key] = [d["dataset_id"] for d in self.datasets(snap, BeaconQuery(), Scope())]
        return self._datasets[key], self.positions(snap)

    def _handover(self, dataset_id: str) -> dict[str, Any]:
        root = self.info.base_url.rsplit("/beacon", 1)[0]
        return responses.handover(f"{root}/catalogue/{dataset_id}", f"apply for access to {dataset_id} for its records")

    def datasets(self, snap: Any, q: BeaconQuery, scope: Scope) -> list[dict[str, Any]]:
        cur = snap.store.con.execute(f"SELECT * FROM ({snap.store.relation_sql('dataset', snap.version)}) ORDER BY dataset_id")
        names = [c[0] for c in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        return [r for r in rows if (not q.dataset_ids or r["dataset_id"] in q.dataset_ids)
                and (scope.dataset_id is None or r["dataset_id"] == scope.dataset_id)]

    def entries(self, snap: Any, path: str, q: BeaconQuery, who: Requester, scope: Scope = Scope()) -> dict[str, Any]:
        """An entry-type query (/individuals, /g_variants, ... and their id sub-paths), by the
        general query (search.py). A position query the freeze's index can answer never gets
        here: the route (and the anonymous lane) answer it with `position_counts`, the one
        index path."""
        self.budget.spend(who)
        datasets = [d["dataset_id"] for d in self.datasets(snap, q, scope)]
        levels = {d: granted(q.granularity, who, d) for d in datasets}
        shown = max(levels.values(), key=ORDER.__getitem__, default="boolean")
        rel = search.matches(snap, "biosamples" if path in ("analyses", "runs") else path, q, scope)
        return self._answer(path, q, who, datasets, levels, shown, search.counts(rel), rel)

    def position_counts(self, served: tuple[list[str], PositionIndex | None], q: BeaconQuery,
                        who: Requester) -> dict[str, Any] | None:
        """A /g_variants position query answered from the position index alone (no store,
        no lock), with the same budget and granularity rules as `entries`; None when it
        needs the store (no index, not a plain position query, or records to show)."""
        all_datasets, index = served
        if index is None or not fast.applies(q, Scope()):
            return None
        levels = {d: granted(q.granularity, who, d) for d in all_datasets}
        shown = max(levels.values(), key=ORDER.__getitem__, default="boolean")
        if shown == "record":
            return None
        self.budget.spend(who)
        return self._answer("g_variants", q, who, all_datasets, levels, shown, fast.indexed_counts(index, q), None)

    def _answer(self, path: str, q: BeaconQuery, who: Requester, datasets: list[str], levels: dict[str, str], shown: str,
                found: dict[str, int], rel: Any) -> dict[str, Any]:
        entry = BY_PATH[path]
        info: dict[str, Any] = {"requesterLevel": who.level}
        if shown == "boolean":
            return responses.boolean(self.info, q, entry.id, any(found.get(d, 0) > 0 for d in datasets), info)
        counts = {d: blur(found.get(d, 0), self.settings, exact=allowed_granularity(who, d) == "record") for d in datasets}
        total = sum(c.value for c in counts.values())
        precision = "exact" if all(c.precision == "exact" for c in counts.values()) else "rounded"
        info["countPrecisionByDataset"] = {d: {"countPrecision": c.precision, "countAdjustedTo": c.adjusted_to}
                                           for d, c in counts.items()}
        if shown == "count":
            return responses.count(self.info, q, entry.id, total, precision, info)
        build = records.BUILDERS[path]
        sets = []
        for d in datasets:
            hit = found.get(d, 0) > 0
            if q.include == "NONE" or (q.include == "HIT" and not hit) or (q.include == "MISS" and hit):
                continue
            c = counts[d]
            rs: dict[str, Any] = {"id": d, "setType": "dataset", "exists": hit, "resultsCount": c.value,
                                  "countPrecision": c.precision, "results": [], "info": {"returnedGranularity": levels[d]}}
            if levels[d] == "record":
                rs["results"] = [build(r) for r in search.page(rel, d, q.skip, q.limit)]
            else:
                rs["resultsHandovers"] = [self._handover(d)]
            sets.append(rs)
        return responses.resultsets(self.info, q, entry.id, sets, total, precision, info)

    def collections(self, snap: Any, path: str, q: BeaconQuery, who: Requester, dataset_id: str | None = None) -> dict[str, Any]:
        """/datasets and /cohorts: catalogue metadata (public), with patient counts blurred
        unless a visa grants the dataset."""
        self.budget.spend(who)
        entry = BY_PATH[path]
        rows = self.datasets(snap, q, Scope(dataset_id=dataset_id))
        found = search.counts(search.matches(snap, "individuals", q, Scope(dataset_id=dataset_id)))
        out = []
        for row in rows:
            level = granted("record", who, row["dataset_id"])
            c = blur(found.get(row["dataset_id"], 0), self.settings, exact=level == "record")
            extra = {"individuals": c.value, "countPrecision": c.precision} if level != "boolean" else None
            out.append(records.dataset(row, extra) if path == "datasets" else records.cohort(row, extra))
        return responses.collections(self.info, q, entry.id, out)
