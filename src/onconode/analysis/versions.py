"""Tool versions in analyses: where a version changes a definition, an answer that mixes them says so.

PURPLE 4.4 (WiGiTS 3.0) raised the minimum VAF of the variants counted for TMB and TML from
0.02 to 0.05 (MSI still uses 0.02), so a 3.0 TMB is lower than a 2.x one on the same tumour
and TMB/TML status can flip at 10/Mb and 140. Each sample's PURPLE version is in
`tool_version`; this module tells which definition a sample's TMB follows, writes the note
an answer carries when a cohort mixes them, and counts samples per tool version for the
quality report. A cohort is split by version with the `tool_version` criterion (cohort.py).
A targeted-panel sample's TMB/TML are PURPLE's panel estimates, a definition of their own
whatever the version (split with the `targeted` criterion).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from onconode.analysis.materialized import materialized_arrow
from onconode.analysis.snapshot import Snapshot

TMB_VAF_RAISED_IN = (4, 4)
OLD_TMB = "TMB/TML counted variants with VAF >= 0.02 (PURPLE <= 4.3, WiGiTS 2.x)"
NEW_TMB = "TMB/TML counted variants with VAF >= 0.05 (PURPLE >= 4.4, WiGiTS 3.0)"
PANEL_TMB = ("TMB/TML estimated from a targeted panel (PURPLE targeted mode: the panel's coding SNVs scaled to a genome "
             "by target_tmb_ratio / target_tml_ratio)")
UNKNOWN = "PURPLE version unknown"


def _major_minor(version: str | None) -> tuple[int, int] | None:
    m = re.match(r"v?(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def tmb_definition(purple_version: str | None) -> str:
    """Which TMB/TML definition a PURPLE version computes."""
    mm = _major_minor(purple_version)
    if mm is None:
        return UNKNOWN
    return NEW_TMB if mm >= TMB_VAF_RAISED_IN else OLD_TMB


def _purple_table(snap: Snapshot) -> ir.Table:
    tv = snap.table("tool_version")
    return tv.filter(tv.tool == "purple").select("sample_id", "version")


def _panel_table(snap: Snapshot) -> ir.Table:
    tp = snap.table("tumor_profile")
    return tp.filter(tp.targeted.fill_null(False)).select("sample_id")


def purple_versions(snap: Snapshot) -> dict[str, str]:
    """sample_id → the PURPLE version that produced it (samples without one are absent)."""
    return {r["sample_id"]: r["version"] for r in _purple_table(snap).to_pyarrow().to_pylist()}


def _definition_rows(snap: Snapshot) -> ir.Table:
    """Each sample's PURPLE version, and a row per panel sample marked `panel` (its
    definition whatever the version)."""
    purple = _purple_table(snap).mutate(panel=ibis.literal(False))
    panel = _panel_table(snap).mutate(version=ibis.null("string"), panel=ibis.literal(True))
    return purple.union(panel.select("sample_id", "version", "panel"))


def _definitions_of(rows: pa.Table) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in rows.to_pylist():
        if r["panel"] or out.get(r["sample_id"]) != PANEL_TMB:
            out[r["sample_id"]] = PANEL_TMB if r["panel"] else tmb_definition(r["version"])
    return out


def _all_definitions(snap: Snapshot) -> dict[str, str]:
    """sample_id → definition for every sample with a PURPLE version or a panel run, worked out
    once per store version and withdrawal count (every cohort summary asks)."""
    kept = materialized_arrow(snap, "tmb_definitions", lambda: _definition_rows(snap), _definitions_of)
    return kept if kept is not None else _definitions_of(_definition_rows(snap).to_pyarrow())


def sample_tmb_definitions(snap: Snapshot, sample_ids: Iterable[str]) -> dict[str, str]:
    """sample_id → the TMB/TML definition its values follow: a targeted-panel sample's is the
    panel estimate whatever its PURPLE version; a whole genome's depends on the version."""
    definitions = _all_definitions(snap)
    return {s: definitions.get(s, UNKNOWN) for s in sample_ids}


def tmb_definitions(snap: Snapshot, sample_ids: Iterable[str]) -> set[str]:
    """The TMB/TML definitions the given samples' values follow."""
    return set(sample_tmb_definitions(snap, sample_ids).values())


def tmb_note(snap: Snapshot, sample_ids: Iterable[str]) -> str | None:
    """The note an answer over TMB/TML carries when its samples mix definitions (else None).

    It names the definitions, never how many samples follow each: the note goes with
    perturbed answers too, and a count beside them would bypass the disclosure gate.
    """
    found = tmb_definitions(snap, sample_ids)
    known = found - {UNKNOWN}
    if len(known) < 2:
        return None
    return (f"TMB and TML mix {'two' if len(known) == 2 else len(known)} definitions: " + "; ".join(sorted(known))
            + (f"; and some samples with {UNKNOWN}" if UNKNOWN in found else "")
            + ". Values are not comparable across them: stratify with the cohort criterion "
              "{\"op\": \"tool_version\", \"tool\": \"purple\", ...} or {\"tool\": \"wigits\"}"
            + (" and panels from whole genomes with {\"op\": \"targeted\", \"value\": true}" if PANEL_TMB in known else "")
            + ", or recompute TMB from the somatic VCF with one threshold.")


def version_counts(snap: Snapshot) -> dict[str, dict[str, int]]:
    """tool → version → samples, for the quality report and a node's published coverage."""
    tv = snap.table("tool_version").select("tool", "version").to_pyarrow().to_pylist()
    out: dict[str, Counter] = {}
    for r in tv:
        out.setdefault(r["tool"], Counter())[r["version"]] += 1
    return {tool: dict(sorted(c.items())) for tool, c in sorted(out.items())}


def matches(version: Any, wanted: list[str]) -> bool:
    """True when `version` is one of `wanted` or a release of it ('4.4' matches '4.4.1', not '4.40')."""
    v = str(version or "").removeprefix("v")
    return any(v == w.removeprefix("v") or v.startswith(w.removeprefix("v") + ".") for w in wanted)
