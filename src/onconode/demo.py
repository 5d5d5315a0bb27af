"""The demo node: what a new user sees first, built only from embedded defaults.

It runs the same services a data manager uses — synthetic cohort load, the hmftools and
clinical readers on the real COLO829 sample, a freeze — so the demo exercises the product
rather than a separate showcase path.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from onconode.progress import Progress, silent
from onconode.store import Store, StoreError
from onconode.store.purpose import DEMO_MARK, mark_demo, purpose_of
from onconode.store.publish import FOLDER as PUBLISHED
from onconode.store.store import STORE_FILE
from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.hmftools import ingest_hmftools
from onconode.synth import load_cohort
from onconode.access import open_governance
from onconode.access.demo_accounts import create_demo_accounts, render_accounts

DEMO_SEED = 2026
COLO829_SAMPLE = "tumor_sample"  # the fixture's file prefix
COLO829_ID = "COLO829T"


@dataclass
class DemoSummary:
    home: Path
    version: int
    freeze: str
    counts: dict[str, int]
    by_tumour_type: list[tuple[str, int, int, int]]  # location, patients, samples, variants
    colo829: str
    notes: list[str] = field(default_factory=list)


def find_shared_fixtures() -> Path | None:
    """../shared/fixtures/hmftools next to the checkout or the working directory, if present."""
    env = os.environ.get("ONCONODE_SHARED_FIXTURES")
    candidates = [Path(env)] if env else []
    for base in (Path.cwd(), Path(__file__).resolve()):
        candidates += [p / "shared" / "fixtures" for p in [base, *base.parents]]
    for c in candidates:
        if (c / "hmftools" / "purple").is_dir():
            return c
    return None


def _prepare_home(home: Path) -> Store:
    """A fresh store; an earlier demo in the same folder is replaced, a real node never is."""
    if (home / STORE_FILE).exists():
        with Store.open(home) as old:
            purpose = purpose_of(old)
        if purpose != DEMO_MARK:
            raise StoreError(
                f"{home} already holds a node store that is not a demo; "
                "choose another folder with --home (the demo never overwrites a real node)"
            )
        for leftover in home.glob(STORE_FILE + "*"):
            leftover.unlink()
        shutil.rmtree(home / PUBLISHED, ignore_errors=True)  # the old demo's read copies
        shutil.rmtree(home / "demo-input", ignore_errors=True)
    store = Store.init(home)
    mark_demo(store)
    return store


def _load_colo829(store: Store, fixtures: Path | None, progress: Progress) -> str:
    if fixtures is None:
        return "COLO829 not loaded: ../shared/fixtures was not found (set ONCONODE_SHARED_FIXTURES)"
    clinical = resources.files("onconode") / "data" / "demo" / "colo829"
    with resources.as_file(clinical) as folder:
        ingest_clinical(store, Path(folder), progress=progress)
    report = ingest_hmftools(
        store, fixtures / "hmftools", sample=COLO829_SAMPLE, sample_id=COLO829_ID, progress=progress
    )
    return f"COLO829 (melanoma cell line) loaded as {COLO829_ID}: " + ", ".join(
        f"{n} {t}" for t, n in report.rows.items() if n
    )


def _by_tumour_type(store: Store, freeze: str) -> list[tuple[str, int, int, int]]:
    v = store.resolve(freeze)
    sample = store.relation_sql("sample", v)
    variants = store.relation_sql("somatic_variant", v)
    rows = store.con.execute(
        f"""
        WITH s AS ({sample}),
             n AS (SELECT sample_id, count(*) AS variants FROM ({variants}) GROUP BY sample_id)
        SELECT coalesce(s.primary_tumor_location, 'Unknown') AS location,
               count(DISTINCT s.patient_id), count(DISTINCT s.sample_id), coalesce(sum(n.variants), 0)
        FROM s LEFT JOIN n USING (sample_id)
        GROUP BY ALL ORDER BY 2 DESC, 1
        """
    ).fetchall()
    return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def build_demo(home: Path, *, patients: int = 2000, median_variants: int | None = None, progress: Progress = silent) -> DemoSummary:
    store = _prepare_home(home)
    with store:
        load_cohort(store, patients=patients, seed=DEMO_SEED, median_variants=median_variants, progress=progress)
        colo = _load_colo829(store, find_shared_fixtures(), progress)
        freeze_id = f"DR-{dt.date.today():%Y-%m}"
        store.create_freeze(freeze_id, f"demo data release: {patients} synthetic patients + COLO829")

        with open_governance(home) as gov:
            accounts = render_accounts(create_demo_accounts(gov), home)
        return DemoSummary(
            home=home,
            version=store.current_version,
            freeze=freeze_id,
            counts=store.counts(freeze_id),
            by_tumour_type=_by_tumour_type(store, freeze_id),
            colo829=colo,
            notes=accounts.splitlines(),
        )


def render_summary(s: DemoSummary) -> str:
    c = s.counts
    lines = [
        f"Demo node in {s.home} — store version {s.version}, freeze {s.freeze}",
        f"  {c['patient']:,} patients, {c['sample']:,} samples, {c['somatic_variant']:,} somatic variants, "
        f"{c['driver']:,} drivers, {c['fusion']:,} fusions, {c['treatment']:,} treatments, "
        f"{c['treatment_response']:,} responses",
        f"  WiGiTS tools: {c['cuppa_prediction']:,} CUPPA predictions, {c['hla_allele']:,} HLA alleles, {c['virus']:,} viruses, "
        f"{c['signature_allocation']:,} signature allocations, {c['tool_version']:,} tool versions "
        "(cohort summary charts in the portal)",
        f"  {s.colo829}",
        "",
        f"  {'tumour location':<28}{'patients':>10}{'samples':>10}{'variants':>14}",
    ]
    for location, n_pat, n_samp, n_var in s.by_tumour_type:
        lines.append(f"  {location[:27]:<28}{n_pat:>10,}{n_samp:>10,}{n_var:>14,}")
    lines += [
        "",
        "Next:",
        f"  onconode --home {s.home} stats --freeze {s.freeze}",
        f"  onconode --home {s.home} quality",
        f"  onconode --home {s.home} export phenopackets --freeze {s.freeze} exports/phenopackets   (or mds, omop, fhir: docs/exchange.md)",
    ]
    return "\n".join(lines + s.notes)
