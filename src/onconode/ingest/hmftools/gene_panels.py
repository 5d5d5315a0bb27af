"""Tying each targeted (panel) sample to the genes its panel covers.

A panel sample says nothing about the genes its panel lacks: counted as profiled for them,
it would count as wild type and lower every such gene's frequency. So each targeted sample
gets its panel in `sample_gene_panel` for the data types PURPLE, SAGE and LINX call on it
(mutations, cna, structural_variants), and the panel's genes go to `gene_panel`; the
analyses' denominators (analysis/panels.py) then count the sample only for covered genes.

The panel's gene list is the data manager's to give, in the format onconode already reads
for cBioPortal studies: a gene panel file (`stable_id: TSO500`, `description: ...`,
`gene_list: <tab-separated symbols>`). onconode ships none: panel gene lists belong to
their vendors and change between panel versions. Definitions are found, first wins:
- files given with `--gene-panel` (always stored, used or not, so a panel can be loaded ahead);
- `data_gene_panel_*.txt` in the ingested folder (stored when a sample uses one);
- the definitions the store already holds (loaded once, they serve every later run).
The panel name (oncoanalyser's `--panel`, e.g. tso500) matches a definition's stable_id
case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from onconode.ingest.cbioportal.panels import PANEL_FILE, GenePanel, read_gene_panel
from onconode.ingest.genes import is_known_gene
from onconode.ingest.hmftools import targeted
from onconode.ingest.hmftools.sample import SampleData
from onconode.ingest.problems import Problems
from onconode.store import Store

Row = dict[str, Any]
PROFILES = ("mutations", "cna", "structural_variants")
HOW_TO_LOAD = ("give its genes as a cBioPortal gene panel file: `onconode ingest hmftools PATH --gene-panel "
               "data_gene_panel_{lower}.txt`, the file holding the lines `stable_id: {panel}`, `description: ...` and "
               "`gene_list: GENE1<TAB>GENE2...` (docs/ingest-hmftools.md, targeted panels); the store keeps it for later runs")


def _folder_panels(root: Path, problems: Problems) -> list[GenePanel]:
    folder = root if root.is_dir() else root.parent
    found = []
    for path in sorted(folder.glob(PANEL_FILE + "*.txt")):
        if not path.name.startswith(PANEL_FILE + "matrix"):
            panel = read_gene_panel(path, problems)
            if panel is not None:
                found.append(panel)
    return found


def _stored_panels(store: Store) -> dict[str, GenePanel]:
    """The store's definitions, by lower-case id."""
    sql = f"SELECT panel_id, gene, description FROM ({store.relation_sql('gene_panel', store.current_version)}) ORDER BY panel_id, gene"
    genes: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for panel, gene, description in store.con.execute(sql).fetchall():
        genes.setdefault(panel, []).append(gene)
        described[panel] = description or ""
    return {p.lower(): GenePanel(p, described[p], tuple(g), Path("(the store)")) for p, g in genes.items()}


def _warn_unknown_genes(panel: GenePanel, problems: Problems) -> None:
    unknown = sorted(g for g in panel.genes if not is_known_gene(g))
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        problems.warning(str(panel.path), panel.line, "gene_list",
                         f"gene panel {panel.panel_id}: {len(unknown)} symbol(s) not in the protein-coding gene reference: {shown}",
                         "check for typos or outdated symbols; a sample's variants in a renamed gene are not counted as covered")


def assign(store: Store, samples: list[SampleData], root: Path, panel: str | None, gene_panel_files: Sequence[Path],
           problems: Problems) -> list[Row]:
    """Give each targeted sample its `sample_gene_panel` rows (in `sample.tables`) and return
    the `gene_panel` rows to store. A targeted sample without a panel name or without a
    definition for it, or `--panel` on a whole-genome sample, is an error naming the sample."""
    given: dict[str, GenePanel] = {}
    for path in gene_panel_files:
        found = read_gene_panel(Path(path), problems)
        if found is not None:
            if found.panel_id.lower() in given:
                problems.error(str(path), found.line, "stable_id",
                               f"gene panel {found.panel_id} is also defined in {given[found.panel_id.lower()].path}",
                               "give each panel once")
                continue
            given[found.panel_id.lower()] = found
    folder = {p.panel_id.lower(): p for p in _folder_panels(root, problems)}
    stored = _stored_panels(store)
    to_store = dict(given)
    for s in samples:
        if not targeted.is_targeted(s.files, s.profile):
            if panel is not None:
                problems.error(s.files.prefix, None, None,
                               f"--panel {panel} was given, but sample {s.files.prefix} is a whole-genome run (its purity.tsv "
                               "says targeted = false and it has no .purple.target_region_cn.tsv)",
                               "ingest panel runs and whole-genome runs separately, or leave --panel out")
            continue
        if s.somatic_vcf is not None and (info := targeted.panel_info_fields(s.somatic_vcf)):
            s.not_stored.setdefault(str(s.somatic_vcf), {}).update(info)
        name, source = (panel, None) if panel is not None else targeted.panel_name(root, s.files, problems)
        if name is None:
            problems.error(s.files.prefix, None, None,
                           f"sample {s.files.prefix} is a targeted (panel) run, but nothing names its panel"
                           + (f" ({source} has no `panel`)" if source else " (no pipeline_info/params_*.json of its run)"),
                           "name it with --panel ID (oncoanalyser's --panel, e.g. tso500) and give its genes with --gene-panel FILE")
            continue
        key = name.lower()
        definition = given.get(key) or folder.get(key) or stored.get(key)
        if definition is None:
            problems.error(s.files.prefix, None, None,
                           f"sample {s.files.prefix} was sequenced with panel {name}" + (f" ({source})" if source else "")
                           + ", whose gene list onconode does not have (none given with --gene-panel, none in the ingested "
                           "folder, none in the store)",
                           HOW_TO_LOAD.format(lower=key, panel=name))
            continue
        if key in folder and key not in given:
            to_store[key] = definition
        s.tables["sample_gene_panel"] = [{"profile": t, "panel_id": definition.panel_id} for t in PROFILES]
    for definition in to_store.values():
        _warn_unknown_genes(definition, problems)
    return [{"panel_id": d.panel_id, "gene": g, "description": d.description or None}
            for d in to_store.values() for g in d.genes]
