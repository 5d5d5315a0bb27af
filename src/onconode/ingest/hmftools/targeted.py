"""Targeted (panel) runs of oncoanalyser: how a sample folder says it is one, and which panel.

`oncoanalyser --mode targeted --panel tso500` runs PURPLE in targeted mode: its purity.tsv
says `targeted` = true and it writes `<tumour>.purple.target_region_cn.tsv` (one row per
COBALT window over the panel's target regions; `purple/.../targeted/TargetRegionsCopyNumber
File.java` at R3.0). No CHORD, SIGS, CUPPA, virus or TEAL output is written. For tumour-only
panel runs PURPLE adds two INFO fields to the somatic VCF (`VAF_DIS_MIN`, `SOM_LH`).

No hmftools file names the panel. nf-core pipelines write every run parameter to
`pipeline_info/params_<timestamp>.json` (`mode`, `panel`), so the panel is read from the
nearest such file above the sample's files, unless the data manager names it (`--panel`).
Which genes the panel covers is gene_panels.py's matter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.discover import SampleFiles
from onconode.ingest.hmftools.layouts import Layout
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text

KIND = "purple_target_region_cn"   # its suffix is in discover.KINDS with PURPLE's other files
HEADER = ("chromosome", "windowStart", "windowEnd", "bedRegions", "masked", "averageDepth", "windowGCContent",
          "windowTumorRatio", "regionStart", "regionEnd", "copyNumber", "minorAlleleCopyNumber", "depthWindowCount",
          "bafCount", "germlineStatus", "copyNumberMethod")
WINDOWS_NOT_STORED = ("PURPLE's per-window depth, GC ratio and copy number over the panel's target regions (a QC and "
                      "plotting view); the sample's copy number is stored from purple.cnv.somatic.tsv and "
                      "purple.cnv.gene.tsv, and the model has no table of COBALT windows")
LAYOUTS = (Layout("PURPLE", "4.2-4.5 (targeted mode)", HEADER, not_stored={c: WINDOWS_NOT_STORED for c in HEADER}),)
# INFO fields PURPLE writes only for tumour-only panel runs (reference/wigits-outputs.md §3)
PANEL_INFO = {
    "VAF_DIS_MIN": "PURPLE's tumour-only panel VAF distance to the germline expectation; the model's somatic_variant "
                   "has no column for it (the variant and its VAF are stored)",
    "SOM_LH": "PURPLE's somatic likelihood (HIGH/MEDIUM/LOW) of a tumour-only panel variant; the model's "
              "somatic_variant has no column for it (the variant is stored)",
}
PARAMS_GLOB = "params_*.json"


def is_targeted(files: SampleFiles, profile: dict[str, Any]) -> bool:
    """Whether PURPLE ran in targeted mode: purity.tsv says so, or the target-region file is there."""
    return bool(profile.get("targeted")) or files.get(KIND) is not None


def _pipeline_info(root: Path, files: SampleFiles) -> list[Path]:
    """The `pipeline_info/` folders from the sample's files up to the ingested folder, nearest first."""
    found: list[Path] = []
    for folder in sorted({p.parent for p in files.files.values()}):
        for up in (folder, *folder.parents):
            if (up / "pipeline_info").is_dir() and up / "pipeline_info" not in found:
                found.append(up / "pipeline_info")
            if up == root or up == root.parent:
                break
    return found


def panel_name(root: Path, files: SampleFiles, problems: Problems) -> tuple[str | None, Path | None]:
    """(panel, the params file naming it) from the run's newest `params_<timestamp>.json`, or (None, None)."""
    for info in _pipeline_info(root, files):
        params = sorted(info.glob(PARAMS_GLOB))
        if not params:
            continue
        path = params[-1]   # nf-core names them by start time: the newest is the run that wrote the files
        try:
            with open_text(path) as fh:
                data = json.load(fh)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.error(str(path), None, None, f"cannot read the run's parameters ({exc})",
                           "copy pipeline_info/ again from the run, or name the panel with --panel")
            return None, None
        panel = data.get("panel") if isinstance(data, dict) else None
        return (str(panel).strip() or None, path) if panel else (None, path)
    return None, None


def panel_info_fields(vcf: Path | None) -> dict[str, str]:
    """The panel-only INFO fields (PANEL_INFO) the somatic VCF's header declares, each with why it is not stored."""
    if vcf is None:
        return {}
    found: dict[str, str] = {}
    try:
        with open_text(vcf) as fh:
            for line in fh:
                if not line.startswith("##"):
                    break
                for name, why in PANEL_INFO.items():
                    if line.startswith(f"##INFO=<ID={name},"):
                        found[f"INFO/{name}"] = why
    except (OSError, EOFError, UnicodeDecodeError):
        return {}   # the VCF loader reports an unreadable VCF itself
    return found
