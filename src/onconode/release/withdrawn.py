"""What a consent withdrawal means for releases: none built here may still hold the
patient, and the office learns which licensees already have them.

The store forgets a withdrawn patient at once (`store/withdraw.py`), and every derived
copy with it (`store/derived.py`); a release is not derived data but a licensed
delivery, with its own pseudonyms. So after a withdrawal each release folder that holds
the patient is rebuilt from the store (which no longer has them) and published again —
the next download gets files without the patient — or removed when its licence no
longer allows a build. A release someone has already downloaded cannot be called back:
it is recorded in `release-withdrawals.jsonl` with what the office must tell the
licensee (the patient's and samples' pseudonyms in that release, delete them, confirm in
writing), listed by `onconode release withdrawn-deliveries`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from onconode import private
from onconode.access import audit
from onconode.release import ReleaseError
from onconode.release.builder import build, built_releases, releases_root
from onconode.release.delivery import downloads
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.release.storage import Storage
from onconode.store.store import Store

LOG = "release-withdrawals.jsonl"


@dataclass(frozen=True)
class Holding:
    """A built release that holds a withdrawn patient, under these pseudonyms."""

    application: str
    freeze: str
    path: Path
    patient: str
    samples: tuple[str, ...]


def _release_ids(folder: Path, column: str) -> set[str]:
    """Every value of `column` in the release's tables (Parquet beside each TSV)."""
    out: set[str] = set()
    for f in sorted((folder / "tables").glob("*.parquet")) + sorted(folder.glob("*.parquet")):
        if column in pq.read_schema(f).names:
            out.update(v for v in pq.read_table(f, columns=[column]).column(column).to_pylist() if v)
    return out


def holding(home: Path, patient_id: str, sample_ids: list[str]) -> list[Holding]:
    """The built releases whose files hold the patient (found by their pseudonyms)."""
    out = []
    for m in built_releases(home):
        app = m["application"]
        key = release_key(home, app, create=False)
        if key is None:
            continue
        pseudo = Pseudonymizer(key)
        folder = releases_root(home) / app
        patient = pseudo("patient", patient_id)
        samples = tuple(pseudo("sample", s) for s in sample_ids)
        if patient in _release_ids(folder, "patient_id") or set(samples) & _release_ids(folder, "sample_id"):
            out.append(Holding(app, m["freeze"], folder, patient, samples))
    return out


def _withdrawn_samples(store: Store, patient_id: str) -> list[str]:
    rows = store.con.execute("SELECT sample_ids FROM withdrawal WHERE patient_id = ?", [patient_id]).fetchall()
    return [s for s in (rows[0][0] or "").split(",") if s] if rows else []


def tell_licensee(h: Holding) -> str:
    """What the office tells the licensee of a delivered release that holds the patient."""
    samples = ", ".join(h.samples) or "none"
    return (f"A patient in release {h.application} (freeze {h.freeze}) has withdrawn consent. Delete every row of "
            f"patient {h.patient} and of their samples ({samples}) from all copies of the release, stop using them in "
            "any analysis not yet published, and confirm the deletion in writing to the data access office.")


def after_withdrawal(home: Path, store: Store, gov: Any, patient_id: str, at: dt.datetime | None = None) -> dict[str, list[str]]:
    """Rebuild (and publish again) or remove every release that holds the withdrawn
    patient; record the ones already downloaded for the office. `store` must already be
    without the patient (`Store.withdraw`)."""
    at = audit.utc(at)
    done: dict[str, list[str]] = {"rebuilt": [], "removed": [], "delivered": []}
    for h in holding(home, patient_id, _withdrawn_samples(store, patient_id)):
        delivered = [d for d in downloads(gov, h.application) if d["allowed"]]
        if delivered:
            private.append_text(Path(home) / LOG, json.dumps({
                "application": h.application, "freeze": h.freeze, "withdrawn_at": at.isoformat(timespec="seconds"),
                "patient": h.patient, "samples": list(h.samples),
                "downloaded_by": sorted({d["who"] for d in delivered}), "first_download": min(d["at"] for d in delivered),
                "tell_licensee": tell_licensee(h)}) + "\n")
            done["delivered"].append(h.application)
        try:
            built = build(home, store, gov, h.application, at=at, built_by="consent withdrawal")
            Storage.for_home(home).publish(built.path, h.application)
            done["rebuilt"].append(h.application)
        except ReleaseError:   # the licence no longer allows a build: the files must not stay available
            storage = Storage.for_home(home)
            if storage.fs.exists(storage.path(h.application)):
                storage.fs.rm(storage.path(h.application), recursive=True)
            shutil.rmtree(h.path, ignore_errors=True)
            done["removed"].append(h.application)
    return done


def withdrawn_deliveries(home: Path) -> list[dict[str, Any]]:
    """Delivered releases that held a patient who withdrew since, oldest first, each with
    what to tell the licensee."""
    path = Path(home) / LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
