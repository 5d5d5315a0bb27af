"""Gene panels: which genes each sample was profiled for, per data type.

cBioPortal's frequency denominator of a gene is the samples *profiled for that gene*: a
sample sequenced with a 300-gene panel says nothing about the genes the panel lacks. Two
kinds of file say which panel a sample had:

- gene panel files (`data_gene_panel_<id>.txt`: `stable_id`, `description`, `gene_list`
  of tab-separated symbols), one per panel, found in the study folder by that name;
- the gene panel matrix (meta `GENE_PANEL_MATRIX`): a `SAMPLE_ID` column and one column
  per profile (`mutations`, a CNA stable id such as `gistic` / `cna`, `structural_variants`)
  naming each sample's panel, or `NA`: the sample was not profiled for that data type.

A profile meta file's `gene_panel` field is the panel of its samples the matrix does not
name. A sample with no panel for a data type (whole genome or exome) covers every gene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.common import is_null
from onconode.ingest.cbioportal.meta import parse_key_values
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text

PANEL_FILE = "data_gene_panel_"
# Matrix column (profile stable_id) → the data type of tumor_profile.profiled it restricts.
PROFILE_OF_COLUMN = {"mutations": "mutations", "structural_variants": "structural_variants",
                     "gistic": "cna", "cna": "cna", "cna_rae": "cna", "cna_consensus": "cna"}


@dataclass(frozen=True)
class GenePanel:
    panel_id: str
    description: str
    genes: tuple[str, ...]
    path: Path
    line: int | None = None    # the stable_id line, where a repeated panel is reported


@dataclass
class PanelMatrix:
    """Per data type: each listed sample's panel, or None where the matrix says NA."""
    panel: dict[str, dict[str, str | None]] = field(default_factory=dict)   # data type -> sample -> panel id / None

    def not_profiled(self, data_type: str) -> set[str]:
        return {s for s, p in self.panel.get(data_type, {}).items() if p is None}


def read_gene_panel(path: Path, problems: Problems) -> GenePanel | None:
    """One gene panel file (`stable_id`, `description`, `gene_list` of tab-separated symbols),
    or None with a problem. The hmftools ingest reads the panel definitions of targeted
    (panel) runs in this format too."""
    parsed = parse_key_values(path, problems, what="gene panel")
    if parsed is None:
        return None
    fields, lines = parsed
    missing = [k for k in ("stable_id", "gene_list") if not fields.get(k, "").strip()]
    for key in missing:
        problems.error(str(path), None, key, f"required field '{key}' is missing from the gene panel file",
                       f"add a line `{key}: ...`" + (" with the genes separated by tabs" if key == "gene_list" else ""))
    if missing:
        return None
    genes = tuple(dict.fromkeys(g.strip() for g in fields["gene_list"].split("\t") if g.strip()))
    return GenePanel(fields["stable_id"].strip(), fields.get("description", "").strip(), genes, path, lines.get("stable_id"))


def read_gene_panels(root: Path, problems: Problems) -> dict[str, GenePanel]:
    """Every `data_gene_panel_<id>.txt` of the study folder (the matrix excluded)."""
    panels: dict[str, GenePanel] = {}
    if not root.is_dir():
        return panels
    for path in sorted(root.iterdir()):
        if not path.is_file() or not path.name.startswith(PANEL_FILE) or path.name.startswith(PANEL_FILE + "matrix"):
            continue
        panel = read_gene_panel(path, problems)
        if panel is None:
            continue
        if panel.panel_id in panels:
            problems.error(str(path), panel.line, "stable_id",
                           f"gene panel {panel.panel_id} is also defined in {panels[panel.panel_id].path.name}", "give each panel one file")
            continue
        panels[panel.panel_id] = panel
    return panels


def read_panel_matrix(path: Path, known_samples: set[str], panels: dict[str, GenePanel], problems: Problems) -> PanelMatrix:
    """The gene panel matrix: each sample's panel per profile column onconode counts."""
    shown = str(path)
    out = PanelMatrix()
    with open_text(path) as fh:
        lines = [raw.rstrip("\r\n") for raw in fh]
    if not lines or lines[0].split("\t")[0].strip() != "SAMPLE_ID":
        problems.error(shown, 1, "SAMPLE_ID", "the gene panel matrix must start with a SAMPLE_ID column",
                       "write SAMPLE_ID, then one column per profile (mutations, gistic, structural_variants ...)")
        return out
    header = [h.strip() for h in lines[0].split("\t")]
    columns = [(i, PROFILE_OF_COLUMN[h]) for i, h in enumerate(header) if h in PROFILE_OF_COLUMN]
    unknown: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != len(header):
            problems.error(shown, number, None, f"{len(cells)} fields where the header has {len(header)}",
                           "check for a missing or extra tab on this line")
            continue
        sample = cells[0]
        if sample not in known_samples:
            problems.error(shown, number, "SAMPLE_ID", f"sample {sample} is not in the clinical sample file",
                           "add it to the clinical sample file or remove it from the matrix")
            continue
        for i, data_type in columns:
            value = cells[i]
            if is_null(value):
                out.panel.setdefault(data_type, {})[sample] = None
            elif value not in panels:
                if value not in unknown:
                    unknown.add(value)
                    problems.error(shown, number, header[i], f"gene panel {value!r} has no gene panel file in the study folder",
                                   f"add {PANEL_FILE}{value.lower()}.txt with stable_id: {value} and its gene_list")
            else:
                out.panel.setdefault(data_type, {})[sample] = value
    return out
