"""LINX germline mode and CIDER load: the normal's SVs and their gene breakends, and the T/B-cell
receptor CDR3 sequences and per-locus counts, each by its header, germline tables marked as such.

Real files where Hartwig published one (the germline breakend file of ORANGE's COLO829
test_run, LINX 2.0-2.2 layout); otherwise files written here with the header of the writer:
`C/linx/LinxGermlineDisruption.java` (linx.germline.disruption.tsv), `C/linx/LinxBreakend.java`
(2.3 breakend layout), `cider/.../VDJSequenceTsvWriter.kt` (cider.vdj.tsv.gz: the CIDER 1.2
layout with SHMStatus, and the older BLASTn layout) and `cider/.../CiderLocusStatsWriter.kt`
(cider.locus_stats.tsv). C/ = hmf-common/src/main/java/com/hartwig/hmftools/common/.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.hmftools.cider import VDJ
from onconode.ingest.hmftools.linx_germline import DISRUPTION
from onconode.model.tables import GERMLINE_TABLES
from test_wigits_generations import v3_run
from test_wigits_tools import purity_file, rows, write

pytestmark = pytest.mark.usefixtures("store")

# C/linx/LinxGermlineDisruption.java: a germline deletion of BRCA2 exons (values as LINX writes them)
DISRUPTION_ROW = {
    "svId": 12, "vcfId": "esvee_12o", "chromosomeStart": "13", "chromosomeEnd": "13", "positionStart": 32900100,
    "positionEnd": 32905200, "orientStart": 1, "orientEnd": -1, "type": "DEL", "filter": "PASS", "event": "esvee_12",
    "qualScore": 812.0, "homologySequenceStart": "AG", "homologySequenceEnd": "AG", "inexactHomologyStart": 0,
    "inexactHomologyEnd": 0, "junctionCopyNumber": 1.02, "adjustedAFStart": 0.49, "adjustedAFEnd": 0.51,
    "adjustedCopyNumberStart": 2.0, "adjustedCopyNumberEnd": 2.0, "adjustedCopyNumberChangeStart": 1.0,
    "adjustedCopyNumberChangeEnd": 1.0, "germlineFragments": 31, "germlineReferenceFragmentsStart": 29,
    "germlineReferenceFragmentsEnd": 33, "tumorFragments": 40, "tumorReferenceFragmentsStart": 12,
    "tumorReferenceFragmentsEnd": 10, "insertSequence": "", "insertSequenceAlignments": "", "insertSequenceRepeatClass": "",
    "insertSequenceRepeatType": "", "gene": "BRCA2", "clusterId": 3, "clusterCount": 1, "resolvedType": "DEL",
    "linkedByStart": "", "linkedByEnd": "", "cohortFrequency": 0,
}
VDJ_12 = next(layout for layout in VDJ if layout.versions.startswith("CIDER 1.2"))
VDJ_BLASTN = next(layout for layout in VDJ if "BLASTn" in layout.versions)
# one IGH sequence of a CLL clone as CIDER 1.2 writes it (the columns not given here are empty)
CLONE = {"cdr3Seq": "TGTGCGAGAGATCGGGGTTACTTTGACTACTGG", "cdr3AA": "CARDRGYFDYW", "locus": "IGH", "filter": "PASS",
         "alignmentStatus": "V_D_J", "minHighQualBaseReads": 25, "assignedReads": 412, "vAlignedReads": 300,
         "jAlignedReads": 280, "inFrame": "true", "containsStop": "false", "vType": "IGHV", "jType": "IGHJ",
         "vGene": "IGHV4-34", "vPIdent": 97.2, "vPIdentLen": 288, "vPIdentIndelBases": 0, "SHMStatus": "MUTATED",
         "dGene": "IGHD3-10", "jGene": "IGHJ4", "jPIdent": 100.0, "layoutId": "IGH-1", "fullSeq": "ACGT", "support": "1a"}
LOCUS_HEADER = ["locus", "readsUsed", "readsTotal", "downSampled", "sequences", "passSequences"]


def _table(path: Path, header: list[str], *records: dict) -> Path:
    return write(path, header, *[[r.get(h, "") for h in header] for r in records], gz=path.name.endswith(".gz"))


def test_the_real_germline_breakend_file_loads_into_a_germline_table_with_its_reported_status(store, hmftools_fixtures, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "tumor_sample.purple.purity.tsv")
    (folder / "tumor_sample.linx.germline.breakend.tsv").symlink_to(hmftools_fixtures / "linx" / "tumor_sample.linx.germline.breakend.tsv")
    report = ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = rows(store, "germline_sv_breakend")
    assert len(got) == 105 and rows(store, "sv_breakend") == []
    first = min(got, key=lambda r: r["breakend_id"])
    assert (first["gene"], first["sv_id"], first["reported_status"], first["undisrupted_copy_number"]) == ("ATR", "13277", "NONE", 1.88)
    assert not any(f.endswith("linx.germline.breakend.tsv") for f in report.files_not_read)
    assert [v for f, v in report.layouts.items() if f.endswith("linx.germline.breakend.tsv")] == [["LINX 2.0-2.2"]]


def test_germline_disruptions_load_every_column_of_linx_writer(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    _table(folder / "T1.linx.germline.disruption.tsv", list(DISRUPTION[0].header), DISRUPTION_ROW, dict(DISRUPTION_ROW, gene="BRCA2-AS1"))
    report = ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = sorted(rows(store, "germline_structural_variant"), key=lambda r: r["disruption_id"])
    assert [(r["disruption_id"], r["gene"]) for r in got] == [(1, "BRCA2"), (2, "BRCA2-AS1")]
    first = got[0]
    assert (first["start_chromosome"], first["start_position"], first["end_position"], first["type"], first["germline_fragments"],
            first["junction_copy_number"], first["resolved_type"]) == ("13", 32900100, 32905200, "DEL", 31, 1.02, "DEL")
    assert not [n for n in report.not_stored if n["file"].endswith("disruption.tsv")]


def test_a_germline_disruption_past_the_chromosome_end_is_located(store, tmp_path):
    from onconode.ingest.problems import IngestError

    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    bad = _table(folder / "T1.linx.germline.disruption.tsv", list(DISRUPTION[0].header), dict(DISRUPTION_ROW, positionStart=999_000_000))
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, folder, ref_genome="GRCh37")
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [(str(bad), 2, "positionStart")]


def test_linx_germline_tables_are_germline_data():
    assert {"germline_sv_breakend", "germline_structural_variant", "germline_amp_del"} <= set(GERMLINE_TABLES)
    assert not {"cdr3_sequence", "cdr3_locus_summary"} & set(GERMLINE_TABLES)


def test_cider_dna_and_rna_files_load_under_the_tumour_with_their_source_sample(store, tmp_path):
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    _table(folder / "cider" / "T1.cider.vdj.tsv.gz", list(VDJ_12.header), CLONE, dict(CLONE, filter="NO_V_ANCHOR", assignedReads=3))
    _table(folder / "cider" / "T1.cider.locus_stats.tsv", LOCUS_HEADER,
           dict(zip(LOCUS_HEADER, ["IGH", 700, 900, "false", 2, 1])), dict(zip(LOCUS_HEADER, ["TRB", 10, 12, "false", 0, 0])))
    # the RNA sample's CIDER output, in the BLASTn layout of an earlier CIDER
    _table(folder / "cider" / "T1RNA.cider.vdj.tsv.gz", list(VDJ_BLASTN.header),
           {k: v for k, v in dict(CLONE, blastnStatus="V_D_J").items() if k in VDJ_BLASTN.header})
    report = ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = sorted(rows(store, "cdr3_sequence"), key=lambda r: (r["source_sample"], r["sequence_id"]))
    assert [(r["sample_id"], r["source_sample"], r["sequence_id"], r["filter"], r["assigned_reads"]) for r in got] == [
        ("T1", "T1", 1, "PASS", 412), ("T1", "T1", 2, "NO_V_ANCHOR", 3), ("T1", "T1RNA", 1, "PASS", 412)]
    assert (got[0]["locus"], got[0]["v_gene"], got[0]["shm_status"], got[0]["in_frame"], got[0]["v_percent_identity"]) == (
        "IGH", "IGHV4-34", "MUTATED", True, 97.2)
    assert (got[2]["alignment_status"], got[2]["shm_status"]) == ("V_D_J", None)
    loci = {r["locus"]: (r["reads_used"], r["pass_sequences"], r["down_sampled"]) for r in rows(store, "cdr3_locus_summary")}
    assert loci == {"IGH": (700, 1, False), "TRB": (10, 0, False)}
    assert report.samples == ["T1"] and not [n for n in report.not_stored if ".cider." in n["file"]]


def test_a_v3_run_with_germline_annotations_and_cider_drops_nothing_the_model_could_hold(hmftools_fixtures, tmp_path):
    out = v3_run(hmftools_fixtures, tmp_path / "output")
    germline = out / "COLO829" / "linx" / "germline_annotations"
    real = hmftools_fixtures / "linx" / "tumor_sample.linx.germline.breakend.tsv"
    header_23 = ("id svId vcfId coords isStart gene transcriptId canonical geneOrientation disruptive reportedStatus "
                 "undisruptedCopyNumber regionType codingType biotype exonicBasePhase nextSpliceExonRank nextSpliceExonPhase "
                 "nextSpliceDistance totalExonCount exonUp exonDown").split()
    breakends = [dict(r, vcfId=f"g{r['id']}", coords="13:32900100:1", reportedStatus="NONE")
                 for r in csv.DictReader(real.read_text().splitlines(), delimiter="\t")]
    _table(germline / "COLO829T.linx.germline.breakend.tsv", header_23, *breakends)
    _table(germline / "COLO829T.linx.germline.disruption.tsv", list(DISRUPTION[0].header), DISRUPTION_ROW)
    _table(out / "COLO829" / "cider" / "COLO829T.cider.vdj.tsv.gz", list(VDJ_12.header), CLONE)
    _table(out / "COLO829" / "cider" / "COLO829T.cider.locus_stats.tsv", LOCUS_HEADER, dict(zip(LOCUS_HEADER, ["IGH", 7, 9, "false", 1, 1])))
    home = str(tmp_path / "cli-node")   # not the store fixture's node, whose write lock this process holds
    cmd = [sys.executable, "-m", "onconode", "--home", home]
    subprocess.run(cmd + ["init"], check=True, capture_output=True)
    done = subprocess.run(cmd + ["ingest", "hmftools", str(out), "--ref-genome", "GRCh37"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "does not read" not in done.stdout and "files not read" not in done.stdout, done.stdout
    counts = json.loads(subprocess.run(cmd + ["stats", "--json"], check=True, capture_output=True, text=True).stdout)
    assert (counts["germline_sv_breakend"], counts["germline_structural_variant"], counts["cdr3_sequence"],
            counts["cdr3_locus_summary"]) == (105, 1, 1, 1)


def test_an_orange_record_fills_germline_breakends_when_the_folder_has_no_linx_germline_file(store, hmftools_fixtures, tmp_path):
    """ORANGE 5.0's linx.germlineBreakends (orange-datamodel LinxBreakend, as its somaticBreakends): the real
    record has none, so two of its somatic breakends are written there."""
    record = json.loads((hmftools_fixtures / "orange" / "real.orange.json").read_text())
    record["linx"]["germlineBreakends"] = [dict(b, reportedStatus="REPORTED") for b in record["linx"]["somaticBreakends"][:2]]
    path = tmp_path / "S.orange.json"
    path.write_text(json.dumps(record))
    ingest_hmftools(store, path, sample_id="S")
    got = rows(store, "germline_sv_breakend")
    wanted = record["linx"]["germlineBreakends"]
    assert sorted((r["breakend_id"], r["gene"], r["reported_status"]) for r in got) == sorted(
        (b["id"], b["gene"], "REPORTED") for b in wanted)


def test_orange_5_profile_keeps_the_loh_fraction_germline_aberrations_and_unsupported_segments(store, hmftools_fixtures, tmp_path):
    """orange-datamodel 5.0 PurpleCharacteristics.lohPercentage is PURPLE's qc().lohPercent() (a fraction, as the
    .purple.qc LohPercent); PurpleQC writes germlineAberrations as a list and unsupportedCopyNumberSegments."""
    record = json.loads((hmftools_fixtures / "orange" / "real.orange.json").read_text())
    record["purple"]["characteristics"]["lohPercentage"] = 0.193
    record["purple"]["fit"]["qc"].update(germlineAberrations=["KLINEFELTER", "MOSAIC_X"], unsupportedCopyNumberSegments=7)
    path = tmp_path / "S.orange.json"
    path.write_text(json.dumps(record))
    ingest_hmftools(store, path, sample_id="S")
    [p] = rows(store, "tumor_profile")
    assert (p["loh_percent"], p["germline_aberrations"], p["unsupported_copy_number_segments"]) == (0.193, "KLINEFELTER,MOSAIC_X", 7)
