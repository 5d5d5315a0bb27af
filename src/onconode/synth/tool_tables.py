"""The WiGiTS tool tables of one sample for `--into-store`, read from the very text `--out`
writes (tools.py) by the ingest's own readers, so both paths store the same rows and a
reader change cannot make them drift apart. The text goes through a temporary folder
because the readers take paths (they also open gzipped files)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pyarrow as pa

from onconode.ingest.hmftools.tools import TABLES, TOOL_FILES
from onconode.ingest.problems import Problems
from onconode.synth.cohort import SampleParams
from onconode.synth.mode import Mode
from onconode.synth.reference import REF_GENOME, table
from onconode.synth.tools import tool_files

# The hmftools releases behind WiGiTS 3.0 (R3.0) and oncoanalyser 2.2 (R2.2), reference/wigits-outputs.md;
# CHORD, Virus Interpreter, SIGS and PEACH are not in those release lists.
VERSIONS = {
    "3.0": {"purple": "4.4", "linx": "2.3", "sage": "5.0", "pave": "1.9", "chord": "2.1", "cuppa": "2.5", "lilac": "2.0",
            "virusinterpreter": "3.9", "sigs": "1.2", "peach": "2.0", "teal": "1.4", "isofox": "2.0", "qsee": "1.0"},
    "2.x": {"purple": "4.2", "linx": "2.1", "sage": "4.1", "pave": "1.8", "chord": "2.0", "cuppa": "2.3", "lilac": "1.6",
            "virusinterpreter": "3.5", "sigs": "1.2", "peach": "2.0", "teal": "1.3", "isofox": "1.7.2"},
}
GENERATIONS = tuple(VERSIONS)
# the folder (under the sample's group folder) each tool writes to, oncoanalyser's layout
FOLDER = {"purple": "purple", "linx": "linx/somatic_annotations", "chord": "chord", "cuppa": "cuppa", "lilac": "lilac",
          "virusinterpreter": "virusinterpreter", "sigs": "sigs", "peach": "peach", "teal": "teal", "isofox": "isofox",
          "qsee": "qsee"}
VCF_TOOLS = ("pave", "sage")   # named only by the somatic VCF's header
_SUFFIXES = [(t, re.compile(rf"^.+?{t.suffix}$", re.IGNORECASE)) for t in TOOL_FILES]


def run_tools(files: dict[str, str], targeted: bool = False) -> list[str]:
    """The tools whose output is in the run: PURPLE, LINX and CHORD (not in targeted runs), then the tool folders."""
    return ["purple", "linx", *(() if targeted else ("chord",)),
            *sorted({f.split("/")[0] for f in files} - {"purple", "linx", "chord"})]


def tool_version_table(sample_id: str, files: dict[str, str], generation: str, targeted: bool = False) -> pa.Table:
    """The tool_version rows an ingest derives from the run's `<tool>.version` files (what
    writers_hmftools writes) and the WiGiTS generation they imply."""
    tools = run_tools(files, targeted)
    versions = VERSIONS[generation]
    names = [*tools, *VCF_TOOLS, "wigits"]
    return table("tool_version", {"sample_id": [sample_id] * len(names), "tool": names,
                                  "version": [versions[t] for t in (*tools, *VCF_TOOLS)] + [generation],
                                  "source": [f"{FOLDER[t]}/{t}.version" for t in tools] + ["purple.somatic.vcf.gz"] * 2
                                  + ["derived"]})


def tool_tables(seed: int, p: SampleParams, mode: Mode, generation: str) -> dict[str, pa.Table]:
    """Every tool table of the sample (empty tables included) plus tool_version."""
    files = tool_files(seed, p, mode, generation == "3.0")
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    problems = Problems()
    with tempfile.TemporaryDirectory(prefix="onconode-synth-") as tmp:
        for rel, text in files.items():
            path = Path(tmp) / Path(rel).name
            path.write_text(text, encoding="utf-8")
            tool = next(t for t, pattern in _SUFFIXES if pattern.match(path.name))
            extra = {"tumour": p.sample_id} if tool.kind == "purple_germline_vcf" else {}
            for name, found in tool.read(path, problems, REF_GENOME, **extra).items():
                rows[name].extend({**r, "sample_id": p.sample_id} for r in found)
    problems.raise_if_errors()   # a synthetic file its reader refuses is a bug in tools.py
    out = {name: pa.Table.from_pylist(r, schema=table(name, {}).schema) for name, r in rows.items()}
    out["tool_version"] = tool_version_table(p.sample_id, files, generation, mode.targeted)
    return out
