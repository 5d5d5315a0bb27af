"""Gene-panel coverage: per gene, how many of a cohort's profiled samples could show it.

cBioPortal's denominator of a gene is the samples profiled *for that gene*: a sample
sequenced with a panel counts only for the genes the panel covers (`sample_gene_panel`,
`gene_panel`); a sample without a panel for a data type (whole genome or exome) covers
every gene. So a kind's denominator (samples profiled for its data type) is lowered, per
gene, by the profiled samples whose panel lacks the gene. Events in such genes never
count (`alterations.observable`), so the numerator stays within the denominator.

DRIVER and ANY count in samples profiled for every data type; there a sample covers a
gene when any of its data types' panels does (or one has no panel).

Both frequency paths (SQL and NumPy), the OncoPrint and the comparison take their
per-gene denominators from `uncovered` here. A node without panels (whole genomes) pays
one lookup of an empty table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from onconode.analysis import alterations
from onconode.analysis.materialized import materialized_arrow

DATA_TYPES = ("mutations", "cna", "structural_variants")


@dataclass(frozen=True)
class Coverage:
    """The snapshot's panels: each panel's genes (upper case), each data type's samples on a panel."""
    panel_genes: dict[str, frozenset[str]]
    panel_of: dict[str, dict[str, str]]      # data type -> sample -> panel id

    @property
    def samples(self) -> set[str]:
        return {s for per in self.panel_of.values() for s in per}


def _coverage(sample_panels: Any, panel_genes: Any) -> Coverage:
    genes: dict[str, set[str]] = {}
    for p, g in zip(panel_genes.column("panel_id").to_pylist(), panel_genes.column("gene").to_pylist()):
        genes.setdefault(p, set()).add(str(g).upper())
    panel_of: dict[str, dict[str, str]] = {}
    for s, t, p in zip(*(sample_panels.column(c).to_pylist() for c in ("sample_id", "profile", "panel_id"))):
        panel_of.setdefault(t, {})[s] = p
    return Coverage({p: frozenset(g) for p, g in genes.items()}, panel_of)


def coverage(snap: Any) -> Coverage:
    """The snapshot's panel coverage, kept per store snapshot where it can be."""
    def table(name: str, columns: tuple[str, ...]) -> Any:
        def build() -> Any:
            return snap.table(name).select(*columns)
        kept = materialized_arrow(snap, f"panel_{name}", build)
        return kept if kept is not None else build().to_pyarrow()
    return _coverage(table("sample_gene_panel", ("sample_id", "profile", "panel_id")), table("gene_panel", ("panel_id", "gene")))


def _profiled_flags(snap: Any, scope: alterations.Scope, samples: set[str]) -> dict[str, tuple[bool, bool, bool]]:
    """Of `samples`, each one's (mutations, cna, structural_variants) profiled flags in the scope."""
    def build() -> Any:
        return alterations.profiles(snap, scope)
    rows = materialized_arrow(snap, "sample_profiles" + ("_anyqc" if scope.failed_qc else ""), build)
    rows = rows if rows is not None else build().to_pyarrow()
    out = {}
    for s, *flags in zip(*(rows.column(c).to_pylist() for c in ("sample_id", *DATA_TYPES))):
        if s in samples:
            out[s] = tuple(bool(f) for f in flags)
    return out


def uncovered(snap: Any, members: Any, genes: Iterable[str], kinds: Iterable[str],
              scope: alterations.Scope = alterations.DEFAULT_SCOPE, cov: Coverage | None = None,
              weight: Callable[[str], int] | None = None) -> dict[str, dict[str, int]]:
    """Per kind and (upper-case) gene: how many of the `members`' samples profiled for the
    kind are on a panel that does not cover the gene (only genes with some). `members`: a
    cohort (its ids are built only when the snapshot has panels) or sample ids. Empty
    when no sample of the snapshot is on a panel. With `weight` (a sample's record key),
    the sum of the samples' weights instead of their number: the disclosure gate's cell
    key of the samples a panel leaves out."""
    w = weight or (lambda _s: 1)
    cov = cov or coverage(snap)
    if not cov.panel_of:
        return {}
    on_panel = cov.samples & set(members.sample_ids if hasattr(members, "sample_ids") else members)
    if not on_panel:
        return {}
    flags = _profiled_flags(snap, scope, on_panel)
    genes = list(dict.fromkeys(genes))
    out: dict[str, dict[str, int]] = {}
    for kind in kinds:
        if kind in alterations.PROFILE_OF_KIND:
            data_type = alterations.PROFILE_OF_KIND[kind]
            i = DATA_TYPES.index(data_type)
            panel_of = cov.panel_of.get(data_type, {})
            per_panel: Counter[str] = Counter()
            for s, f in flags.items():
                if f[i] and s in panel_of:
                    per_panel[panel_of[s]] += w(s)
            counts = {g: sum(n for p, n in per_panel.items() if g not in cov.panel_genes.get(p, frozenset())) for g in genes}
        else:   # DRIVER, ANY: fully profiled samples, covered by any of their data types' panels
            keys: Counter[tuple[str | None, ...]] = Counter()
            for s, f in flags.items():
                if all(f):
                    keys[tuple(cov.panel_of.get(t, {}).get(s) for t in DATA_TYPES)] += w(s)
            keys = Counter({k: n for k, n in keys.items() if None not in k})   # a type without a panel covers every gene
            counts = {g: sum(n for k, n in keys.items() if not any(g in cov.panel_genes.get(p, frozenset()) for p in k))
                      for g in genes}
        found = {g: n for g, n in counts.items() if n}
        if found:
            out[kind] = found
    return out
