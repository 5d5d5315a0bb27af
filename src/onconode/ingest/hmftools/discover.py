"""Finding each tumour sample's hmftools files, whatever the folder layout.

oncoanalyser nests files by tool (`<group>/purple/`, `<group>/linx/somatic_annotations/`),
the Hartwig pipeline writes them flat, and a batch folder holds many sample folders. In
all of them a file is named `<tumour sample id>.<tool>.<suffix>`, so we walk the tree,
recognise files by suffix and group them by prefix, case-insensitively (real runs mix
`tumor_sample.*` and `TUMOR_SAMPLE.*`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.hmftools import tools
from onconode.ingest.problems import Problems

# kind → regular expression for everything after the prefix.
KINDS: dict[str, str] = {
    "purple_purity": r"\.purple\.purity\.tsv",
    "purple_qc": r"\.purple\.qc",
    "purple_cnv_somatic": r"\.purple\.cnv\.somatic\.tsv",
    # Accepts qualified copies such as `.purple.cnv.gene.LEGACY_v3.EXCERPT.tsv`.
    "purple_cnv_gene": r"\.purple\.cnv\.gene(?:\.[A-Za-z0-9_-]+)*\.tsv",
    "purple_driver_somatic": r"\.purple\.driver\.catalog\.somatic\.tsv",
    "purple_driver_germline": r"\.purple\.driver\.catalog\.germline\.tsv",
    "purple_germline_amp_del": r"\.purple\.germline(?:_amp_del|\.deletion)\.tsv",
    "purple_chromosome_arm": r"\.purple\.chromosome_arm\.tsv",
    "purple_somatic_vcf": r"\.purple\.somatic\.vcf(?:\.gz)?",
    "purple_sv_vcf": r"\.purple\.sv\.vcf(?:\.gz)?",
    "purple_target_region_cn": r"\.purple\.target_region_cn\.tsv",   # targeted (panel) mode only: targeted.py
    "linx_svs": r"\.linx\.svs\.tsv",
    "linx_breakend": r"\.linx\.breakend\.tsv",
    "linx_fusion": r"\.linx\.fusion\.tsv",
    "linx_driver_catalog": r"\.linx\.driver\.catalog\.tsv",
    "linx_germline_driver_catalog": r"\.linx\.germline\.driver\.catalog\.tsv",
    "linx_drivers": r"\.linx\.drivers\.tsv",
    "linx_clusters": r"\.linx\.clusters\.tsv",
    "linx_links": r"\.linx\.links\.tsv",
    "chord": r"\.chord\.prediction\.tsv",
    "orange": r"\.orange\.json",
    **tools.KINDS,
}


def label(kind: str) -> str:
    """The file suffix a data manager recognises, e.g. `.purple.cnv.gene.tsv`."""
    optional_gone = re.sub(r"\(\?:[^)]*\)[*?]", "", KINDS[kind])
    return re.sub(r"\(\?:([^|)]*)\|[^)]*\)", r"\1", optional_gone).replace("\\", "")


PATTERNS = {kind: re.compile(rf"^(?P<prefix>.+?){tail}$", re.IGNORECASE) for kind, tail in KINDS.items()}
# WiGiTS tools name their outputs `<sample>.<tool>.<...>`: a prefix holding `.<tool>.` is no sample
# id, and an output of theirs that no reader takes is named in the report.
WIGITS_TOOLS = ("purple", "linx", "chord", "orange", "cuppa", "cup", "lilac", "virus", "virusbreakend", "sig", "peach",
                "teal", "isf", "qsee", "amber", "cobalt", "sage", "pave", "esvee", "cider", "neo", "bam_metric")
TOOL_MARKERS = tuple(f".{tool}." for tool in WIGITS_TOOLS)
WIGITS_FILE = re.compile(rf"^(?P<prefix>.+?)\.(?:{'|'.join(WIGITS_TOOLS)})\.", re.IGNORECASE)
SKIP_DIRS = {"alignments", "logs", "pipeline_info", "work", ".git", "__pycache__"}
MAX_DEPTH = 6


@dataclass
class SampleFiles:
    """The recognised files of one tumour sample, by kind."""

    prefix: str
    files: dict[str, Path] = field(default_factory=dict)
    # WiGiTS outputs of this sample that no reader reads (reported, never silently skipped)
    unread: list[Path] = field(default_factory=list)

    def get(self, kind: str) -> Path | None:
        return self.files.get(kind)


def classify(name: str) -> tuple[str, str] | None:
    """(kind, prefix) of a file name, or None when it is not a file we read."""
    for kind, pattern in PATTERNS.items():
        m = pattern.match(name)
        if m:
            prefix = m.group("prefix")
            if any(marker in f"{prefix.lower()}." for marker in TOOL_MARKERS):
                return None
            return kind, prefix
    return None


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    base_depth = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).parts) - base_depth
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS and depth < MAX_DEPTH)
        found.extend(Path(dirpath) / f for f in sorted(filenames))
    return found


def discover(path: Path, problems: Problems, sample: str | None = None) -> list[SampleFiles]:
    """The samples under `path` (a folder, or one `*.orange.json`), optionally only `sample`.

    Two files of the same kind for one sample (say a re-run copied next to the first) are
    a problem: we cannot guess which one is meant.
    """
    shown = str(path)
    if not path.exists():
        problems.error(shown, None, None, "no such file or folder", "check the path")
        return []
    candidates = [path] if path.is_file() else _walk(path)
    by_prefix: dict[str, dict[str, list[Path]]] = {}
    spellings: dict[str, Counter] = {}
    unread: dict[str, list[Path]] = {}
    for file in candidates:
        hit = classify(file.name)
        if hit is None:
            other = WIGITS_FILE.match(file.name)
            if other and not file.name.endswith((".version", ".log")):
                unread.setdefault(other.group("prefix").lower(), []).append(file)
            continue
        kind, prefix = hit
        key = prefix.lower()
        by_prefix.setdefault(key, {}).setdefault(kind, []).append(file)
        spellings.setdefault(key, Counter())[prefix] += 1 if kind != "purple_purity" else 100
    if path.is_file() and not by_prefix:
        problems.error(
            shown, None, None, "not a file onconode reads as hmftools output",
            "give a sample folder, a folder of sample folders, or a <sample>.orange.json file",
        )
        return []
    if not by_prefix:
        problems.error(
            shown, None, None,
            "no hmftools files found (looked for <sample>.purple.purity.tsv, .linx.svs.tsv, .orange.json, ...)",
            "point at an oncoanalyser or Hartwig pipeline output folder",
        )
        return []
    tools.attach_companions(by_prefix, problems, shown)
    if sample is not None:
        if sample.lower() not in by_prefix:
            problems.error(
                shown, None, None, f"no files of sample {sample!r} here (found: {', '.join(sorted(by_prefix))})",
                "check --sample",
            )
            return []
        by_prefix = {sample.lower(): by_prefix[sample.lower()]}
    samples = []
    for key in sorted(by_prefix):
        prefix = sample if sample is not None else spellings[key].most_common(1)[0][0]
        found = SampleFiles(prefix, unread=unread.get(key, []))
        for kind, files in sorted(by_prefix[key].items()):
            if len(files) > 1:
                problems.error(
                    shown, None, None,
                    f"sample {prefix} has {len(files)} {label(kind)} files: "
                    + ", ".join(str(f) for f in files),
                    "keep one per sample (move older runs elsewhere) or point at one sample folder",
                )
                continue
            found.files[kind] = files[0]
        samples.append(found)
    return samples
