"""One layout check for every hmftools file: PURPLE, LINX and the other WiGiTS tools'
files are all picked by header against the tool versions onconode knows, refused the same
way when none fits, and named in the report with the versions they fit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.problems import IngestError
from test_hmftools_support import sample_folder
from test_wigits_tools import purity_file, write


def test_a_tool_file_with_a_column_no_version_writes_is_refused_naming_it(store, tmp_path):
    # SIGS writes signature, allocation, percent (C/sigs/SignatureAllocationFile.java); a fourth column is no
    # SIGS version onconode knows, so its values would be dropped: one error, nothing loaded
    folder = tmp_path / "run"
    purity_file(folder / "T1.purple.purity.tsv")
    bad = write(folder / "T1.sig.allocation.tsv", ["signature", "allocation", "percent", "bootstrapError"], ["Sig1", 1.0, 0.5, 0.1])
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, folder, ref_genome="GRCh37")
    [p] = caught.value.problems
    assert (p.file, p.line, p.column) == (str(bad), 1, "bootstrapError")
    assert "unknown column(s) bootstrapError" in p.message and "SIGS 1.x: signature, allocation, percent" in p.message
    assert sum(store.counts().values()) == 0


def test_every_checked_file_is_named_with_the_versions_its_layout_fits(store, hmftools_fixtures, tmp_path):
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity", "linx_breakend", "lilac", "lilac_qc", "sigs"})
    report = ingest_hmftools(store, folder, ref_genome="GRCh37", sample_id="S1")
    by_file = {Path(f).name.split(".", 1)[1]: v for f, v in report.layouts.items()}
    assert by_file == {"purple.purity.tsv": ["PURPLE 4.1-4.5"], "linx.breakend.tsv": ["LINX 2.0-2.2"],
                       "lilac.tsv": ["LILAC 1.x"], "lilac.qc.tsv": ["LILAC 1.x"], "sig.allocation.tsv": ["SIGS 1.x"]}


def test_a_file_mixing_two_versions_headers_is_refused_with_what_each_version_needs(store, hmftools_fixtures, tmp_path):
    # PURPLE 4.2's gene copy numbers with 4.4's reportedStatus but not its driverType / relativeMinCopyNumber:
    # no PURPLE version wrote this, so which columns mean what cannot be told
    folder = sample_folder(hmftools_fixtures, tmp_path / "s", only={"purple_purity"})
    header = ("chromosome start end gene minCopyNumber maxCopyNumber somaticRegions transcriptId isCanonical chromosomeBand "
              "minRegions minRegionStart minRegionEnd minRegionStartSupport minRegionEndSupport minRegionMethod "
              "minMinorAlleleCopyNumber depthWindowCount gcContent reportedStatus").split()
    bad = write(folder / "tumor_sample.purple.cnv.gene.tsv", header,
                ["1", 1, 1000, "GENE1", 2, 2, 1, "ENST1", "true", "p36", 1, 1, 1000, "NONE", "NONE", "BAF_WEIGHTED", 1, 10, 0.4, "NONE"])
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, folder, ref_genome="GRCh37")
    [p] = caught.value.problems
    assert p.file == str(bad)
    assert "PURPLE 4.2-4.3 writes no reportedStatus" in p.message
    assert "PURPLE 4.4-4.5 needs relativeMinCopyNumber, driverType" in p.message


def test_an_orange_record_with_a_third_allele_of_a_gene_is_refused_like_a_lilac_file(store, hmftools_fixtures, tmp_path):
    record = json.loads((hmftools_fixtures / "orange" / "real.orange.json").read_text())
    alleles = record["lilac"]["alleles"]
    alleles.append(dict(next(a for a in alleles if a["allele"].startswith("A*"))))
    path = tmp_path / "S.orange.json"
    path.write_text(json.dumps(record))
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, path, sample_id="S")
    [p] = caught.value.problems
    assert p.column == f"lilac.alleles[{len(alleles) - 1}].allele" and "a third allele of HLA-A" in p.message
