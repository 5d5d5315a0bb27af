"""Saved cohorts: a name and an id for a definition, pinned to a store version.

Kept as one JSON file per cohort in `<store home>/analysis/cohorts/<id>.json`: a handful
of small documents that a node operator can read, back up and diff, needing no schema
migration and no write lock on the analytical store (which readers keep open). The id is
random (not guessable from the name) and is what researchers share. A cohort saved on a
freeze (or, without one, on the version current at saving time) evaluates to the same
patients for as long as that version exists, except for patients who withdrew consent.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from onconode.analysis import cohort
from onconode.store import Store
from onconode.store.store import StoreError, StoreSnapshot

COHORT_ID = re.compile(r"^[a-z0-9]{12}$")


@dataclass(frozen=True)
class SavedCohort:
    cohort_id: str
    name: str
    definition: dict[str, Any]
    freeze: str | None
    version: int
    created_by: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CohortNotFound(LookupError):
    pass


def _folder(store: Store) -> Path:
    return Path(store.home) / "analysis" / "cohorts"


def save(store: Store, name: str, definition: Any, created_by: str, freeze: str | None = None) -> SavedCohort:
    """Validate and save a cohort; returns it with its new id."""
    if not name.strip():
        raise cohort.CohortError("a saved cohort needs a name")
    canonical = cohort.to_json(cohort.parse(definition))
    saved = SavedCohort(
        cohort_id=secrets.token_hex(6), name=name.strip(), definition=canonical, freeze=freeze,
        version=store.resolve(freeze), created_by=created_by,
        created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )
    folder = _folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{saved.cohort_id}.tmp"
    tmp.write_text(json.dumps(saved.to_json(), indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / f"{saved.cohort_id}.json")
    return saved


def load(store: Store, cohort_id: str) -> SavedCohort:
    if not COHORT_ID.match(cohort_id):
        raise CohortNotFound(f"{cohort_id!r} is not a cohort id (12 lowercase letters or digits)")
    path = _folder(store) / f"{cohort_id}.json"
    if not path.exists():
        raise CohortNotFound(f"no saved cohort {cohort_id} on this node; list them with saved.list_cohorts(store)")
    return SavedCohort(**json.loads(path.read_text(encoding="utf-8")))


def list_cohorts(store: Store, created_by: str | None = None) -> list[SavedCohort]:
    folder = _folder(store)
    if not folder.is_dir():
        return []
    out = [SavedCohort(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))]
    return [c for c in out if created_by is None or c.created_by == created_by]


def snapshot_of(store: Store, saved: SavedCohort) -> StoreSnapshot:
    """The store as the cohort was saved on: its freeze, or its pinned version."""
    return StoreSnapshot(store, saved.version, saved.freeze)


def evaluate(store: Store, cohort_id: str) -> cohort.Cohort:
    saved = load(store, cohort_id)
    return cohort.evaluate(snapshot_of(store, saved), saved.definition)


def selection_patients(snapshot: StoreSnapshot, form: dict[str, Any]) -> tuple[StoreSnapshot, set[str]] | None:
    """A data request's selection, as its form names it: (the snapshot at its `freeze`,
    the patients of its saved `cohort`, else of its `datasets`), or None when the freeze or
    the cohort is not on this node. The licensed scope of the disclosure gate asks here."""
    store, freeze = snapshot.store, form.get("freeze")
    try:
        snap = store.snapshot(freeze) if freeze else snapshot
    except StoreError:
        return None   # the licensed release is not on this node
    if form.get("cohort"):
        try:
            return snap, set(cohort.evaluate(snap, load(store, form["cohort"]).definition).patient_ids)
        except CohortNotFound:
            return None
    t = snap.table("patient")
    rows = t.filter(t.dataset_id.isin(list(form.get("datasets") or []))).select("patient_id").to_pyarrow().to_pylist()
    return snap, {r["patient_id"] for r in rows}
