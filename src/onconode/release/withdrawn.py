"""What a consent withdrawal means for releases: none built here may still hold the
patient, and the office learns which licensees already have them.

The store forgets a withdrawn patient at once (`store/withdraw.py`), and every derived
copy with it (`store/derived.py`); a release is not derived data but a licensed
delivery, with its own pseudonyms. So after a withdrawal each release that holds the
patient is taken off download at once (never served with the patient, not even in the
seconds before its rebuild) and a release-build job is queued for it: a job worker
rebuilds it from the store (which no longer has them), makes it available again and
mails its people as for any new build; when its licence no longer allows a build, the
job fails with the reason and the release stays unavailable. A release someone has
already downloaded cannot be called back: it is recorded in `release-withdrawals.jsonl` with what the office must tell the
licensee (the patient's and samples' pseudonyms in that release, delete them, confirm in
writing), listed by `onconode release withdrawn-deliveries`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from onconode import private
from onconode.access import audit
from onconode.release.builder import built_releases, releases_root
from onconode.release.delivery import downloads
from onconode.release.jobs import enqueue_build, withhold
from onconode.release.pseudonym import Pseudonymizer, release_key
from onconode.store.store import Store

LOG = "release-withdrawals.jsonl"
REBUILT_BY = "consent withdrawal"


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
    """Take every release that holds the withdrawn patient off download at once, and
    record the ones already downloaded for the office; returns the applications withheld
    and the delivered ones. Called by the writer that withdrew the patient before it
    publishes the store, so no reader ever sees the store without the patient and a
    release with them; `rebuild` then queues the builds, once the store is published."""
    at = audit.utc(at)
    done: dict[str, list[str]] = {"withheld": [], "delivered": []}
    for h in holding(home, patient_id, _withdrawn_samples(store, patient_id)):
        delivered = [d for d in downloads(gov, h.application) if d["allowed"]]
        if delivered:
            private.append_text(Path(home) / LOG, json.dumps({
                "application": h.application, "freeze": h.freeze, "withdrawn_at": at.isoformat(timespec="seconds"),
                "patient": h.patient, "samples": list(h.samples),
                "downloaded_by": sorted({d["who"] for d in delivered}), "first_download": min(d["at"] for d in delivered),
                "tell_licensee": tell_licensee(h)}) + "\n")
            done["delivered"].append(h.application)
        withhold(home, h.application)
        done["withheld"].append(h.application)
    return done


def rebuild(gov: Any, applications: list[str], withdrawals: int, at: dt.datetime | None = None) -> dict[str, int]:
    """Queue a release-build job per withheld release (application -> job id): a job worker
    builds it from the published store without the patient, makes it available again and
    mails its people. Each job has its own key: a build of the application already running
    may have read the store before the withdrawal, so the rebuild must not be folded into it
    (that build notices the withdrawal itself, `jobs.run_build`)."""
    at = audit.utc(at)
    return {app: enqueue_build(gov.engine, app, at, built_by=REBUILT_BY, key=f"{app}@withdrawal-{withdrawals}")
            for app in applications}


def withdrawn_deliveries(home: Path) -> list[dict[str, Any]]:
    """Delivered releases that held a patient who withdrew since, oldest first, each with
    what to tell the licensee."""
    path = Path(home) / LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
