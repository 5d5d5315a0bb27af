"""LINX germline mode: the normal sample's structural variants that disrupt genes.

`<tumour>.linx.germline.disruption.tsv` (C/linx/LinxGermlineDisruption.java, unchanged
from LINX 2.0 to 2.3) → germline_structural_variant, one row per SV and gene, numbered
in file order (the file has no key of its own). `<tumour>.linx.germline.breakend.tsv`
has breakend.tsv's layouts (C/linx/LinxBreakend.java, both versions) →
germline_sv_breakend. Both are germline data (model: extra "germline").
"""

from __future__ import annotations

from pathlib import Path

from onconode.ingest.hmftools import linx
from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import LAYOUTS, Layout, Row, read_rows, unique
from onconode.ingest.problems import Problems
from onconode.model.tables import GERMLINE_STRUCTURAL_VARIANT, GERMLINE_SV_BREAKEND

_DISRUPTION_FIELDS = {
    "svId": "sv_id", "vcfId": "vcf_id", "chromosomeStart": "start_chromosome", "chromosomeEnd": "end_chromosome",
    "positionStart": "start_position", "positionEnd": "end_position", "orientStart": "start_orientation",
    "orientEnd": "end_orientation", "type": "type", "filter": "filter", "event": "event", "qualScore": "qual_score",
    "homologySequenceStart": "homology_sequence_start", "homologySequenceEnd": "homology_sequence_end",
    "inexactHomologyStart": "inexact_homology_start", "inexactHomologyEnd": "inexact_homology_end",
    "junctionCopyNumber": "junction_copy_number", "adjustedAFStart": "adjusted_af_start",
    "adjustedAFEnd": "adjusted_af_end", "adjustedCopyNumberStart": "adjusted_copy_number_start",
    "adjustedCopyNumberEnd": "adjusted_copy_number_end",
    "adjustedCopyNumberChangeStart": "adjusted_copy_number_change_start",
    "adjustedCopyNumberChangeEnd": "adjusted_copy_number_change_end", "germlineFragments": "germline_fragments",
    "germlineReferenceFragmentsStart": "germline_reference_fragments_start",
    "germlineReferenceFragmentsEnd": "germline_reference_fragments_end", "tumorFragments": "tumor_fragments",
    "tumorReferenceFragmentsStart": "tumor_reference_fragments_start",
    "tumorReferenceFragmentsEnd": "tumor_reference_fragments_end", "insertSequence": "insert_sequence",
    "insertSequenceAlignments": "insert_sequence_alignments",
    "insertSequenceRepeatClass": "insert_sequence_repeat_class",
    "insertSequenceRepeatType": "insert_sequence_repeat_type", "gene": "gene", "clusterId": "cluster_id",
    "clusterCount": "cluster_count", "resolvedType": "resolved_type", "linkedByStart": "linked_by_start",
    "linkedByEnd": "linked_by_end", "cohortFrequency": "cohort_frequency",
}
DISRUPTION = (Layout("LINX", "LINX 2.0-2.3", tuple(_DISRUPTION_FIELDS), fields=_DISRUPTION_FIELDS),)
BREAKEND = LAYOUTS["linx_breakend"]


def read_disruptions(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.linx.germline.disruption.tsv` → germline_structural_variant, each breakend checked on the genome."""
    _, rows = read_rows(path, problems, GERMLINE_STRUCTURAL_VARIANT, DISRUPTION, ref_genome)
    reader = FieldReader(path, problems, GERMLINE_STRUCTURAL_VARIANT, ref_genome)
    for number, (line, _, out) in enumerate(rows, start=1):
        out["disruption_id"] = number
        reader.position(out.get("start_chromosome"), out.get("start_position"), line, "positionStart", "chromosomeStart")
        if out.get("end_chromosome") and out.get("end_position"):
            reader.position(out["end_chromosome"], out["end_position"], line, "positionEnd", "chromosomeEnd")
    return {"germline_structural_variant": unique(path, problems, GERMLINE_STRUCTURAL_VARIANT, rows)}


def read_breakends(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """`.linx.germline.breakend.tsv` → germline_sv_breakend, read as LINX's somatic breakend file is."""
    return {"germline_sv_breakend": linx.read_breakends(path, problems, GERMLINE_SV_BREAKEND)}
