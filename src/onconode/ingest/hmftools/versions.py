"""Which pipeline and tool versions produced a sample's data, from every place that says so.

No hmftools TSV carries a version, yet definitions change between versions: PURPLE 4.4
(WiGiTS 3.0) raised the TMB/TML minimum VAF from 0.02 to 0.05. So each sample's versions
are stored (table `tool_version`) from, in order of trust:
- `<tool>.version` files (`version=`), which every hmftools tool writes beside its output;
- VCF headers (`##purpleVersion=`, `##sageVersion=`, `##PaveVersion=`, `##esveeVersion=`);
- oncoanalyser's `pipeline_info/software_versions.yml` (tools and the workflow version);
- ORANGE's `pipelineVersion` (only as the pipeline's version where nothing better says it;
  ORANGE 5.0 writes the constant OA_V3_0, the 3.0 output layout).
A derived `wigits` row names the generation: 3.0 from PURPLE 4.4 / oncoanalyser 3, else 2.x.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from onconode.ingest.hmftools.discover import SampleFiles
from onconode.ingest.hmftools.sv_vcf import VcfHeader
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text

Row = dict[str, Any]
VERSION_FILE = re.compile(r"^(?P<tool>[a-z_]+)\.version$", re.IGNORECASE)
WORKFLOW = "nf-core/oncoanalyser"
ORANGE_V3_LAYOUT = "OA_V3_0"


def _version_file(path: Path) -> str | None:
    try:
        with open_text(path) as fh:
            for line in fh:
                key, _, value = line.strip().partition("=")
                if key == "version" and value.strip():
                    return value.strip()
    except (OSError, EOFError, UnicodeDecodeError):
        return None  # an unreadable version note is reported by its absence, not worth failing the ingest
    return None


def _software_versions(root: Path, files: SampleFiles, problems: Problems) -> tuple[Path | None, dict[str, str]]:
    """Tool → version from the nearest `pipeline_info/software_versions.yml` above the sample's files."""
    folders = {p.parent for p in files.files.values()}
    candidates = []
    for folder in folders:
        for up in (folder, *folder.parents):
            candidates.append(up / "pipeline_info" / "software_versions.yml")
            if up == root or up == root.parent:
                break
    for path in candidates:
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.warning(str(path), None, None, f"cannot read the versions file ({exc}); versions taken from elsewhere",
                             "copy pipeline_info/ again from the run")
            return None, {}
        out: dict[str, str] = {}
        for process in (data or {}).values() if isinstance(data, dict) else ():
            if isinstance(process, dict):
                for tool, version in process.items():
                    name = str(tool).strip().lower()
                    name = "oncoanalyser" if name == WORKFLOW else name
                    out.setdefault(name, str(version).strip().removeprefix("v"))
        return path, out
    return None, {}


def _generation(versions: dict[str, str]) -> str | None:
    def major_minor(text: str) -> tuple[int, int] | None:
        m = re.match(r"v?(\d+)\.(\d+)", text)
        return (int(m.group(1)), int(m.group(2))) if m else None

    pipeline = major_minor(versions.get("oncoanalyser", ""))
    if pipeline:
        return "3.0" if pipeline >= (3, 0) else "2.x"
    purple = major_minor(versions.get("purple", ""))
    if purple:
        return "3.0" if purple >= (4, 4) else "2.x"
    if versions.get("pipeline") == ORANGE_V3_LAYOUT:
        return "3.0"
    return None


def read_versions(
    root: Path, files: SampleFiles, vcf_headers: dict[str, VcfHeader], orange_pipeline: str | None, problems: Problems,
) -> list[Row]:
    """tool_version rows (without sample_id) for one sample; the first source naming a tool wins."""
    rows: dict[str, Row] = {}

    def add(tool: str, version: str | None, source: Path | str) -> None:
        if version and tool not in rows:
            rows[tool] = {"tool": tool, "version": version, "source": str(source)}

    for folder in sorted({p.parent for p in files.files.values()}):
        for path in sorted(folder.glob("*.version")):
            m = VERSION_FILE.match(path.name)
            if m:
                add(m.group("tool").lower(), _version_file(path), path)
    for kind, header in sorted(vcf_headers.items()):
        for tool, version in sorted(header.versions.items()):
            add(tool, version, files.get(kind) or kind)
    yml, software = _software_versions(root, files, problems)
    for tool, version in sorted(software.items()):
        add(tool, version, yml)
    if orange_pipeline and "oncoanalyser" not in rows:
        add("pipeline", orange_pipeline, f"{files.get('orange')} (pipelineVersion)")
    generation = _generation({t: r["version"] for t, r in rows.items()})
    if generation:
        add("wigits", generation, "derived from the PURPLE / oncoanalyser / ORANGE versions above")
    return list(rows.values())
