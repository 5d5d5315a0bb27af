"""Both WiGiTS generations: a 3.0 oncoanalyser folder (PURPLE 4.4, LINX 2.3) and the 2.x files
load into one model, nothing is dropped unsaid, versions are stored per sample, and the
run's samples are registered so cohorts see them at once.

No public 3.0 run exists, so the 3.0 folder is the real COLO829 fixtures rewritten into the
3.0 headers of the Java writers (github hartwigmedical/hmftools at R3.0 99290c0):
`C/purple/GeneCopyNumberFile.java`, `C/driver/DriverCatalogFile.java`,
`C/purple/GermlineAmpDel.java`, `C/purple/PurpleQCFile.java`, `C/linx/LinxBreakend.java`,
`C/linx/LinxFusion.java`, `linx/.../LinxLink` (links.tsv), as listed in
reference/wigits-outputs.md §3 (C/ = hmf-common/src/main/java/com/hartwig/hmftools/common/).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.ingest.hmftools import ingest_hmftools
from onconode.ingest.hmftools.layouts import LAYOUTS
from onconode.ingest.problems import IngestError
from test_hmftools_support import fixture_files, read_text

V3 = {kind: list(layout.header) for kind, layouts in LAYOUTS.items() for layout in layouts
      if layout.versions.startswith(("PURPLE 4.4", "LINX 2.3", "LINX 2.0-2.3", "PURPLE 4.1-4.5", "PURPLE 4.3-4.5"))}
LINKS_ROWS = [  # two links of LINX's links.tsv (values as LINX writes them)
    ["28", "0", "0", "1", "4", "13", "true", "false", "1", "P", "true", "0", "1520", "1.0412", "0.1201", "", "false"],
    ["28", "0", "1;2", "2", "13", "4", "false", "true", "1", "P", "false", "1", "88", "0.9812", "0.1100", "", "false"],
]


def rows(store, table: str) -> list[dict]:
    return store.con.sql(store.relation_sql(table, store.current_version)).to_arrow_table().to_pylist()


def tsv(path: Path) -> list[dict]:
    return list(csv.DictReader(read_text(path).splitlines(), delimiter="\t"))


def write(path: Path, header: list[str], records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["\t".join(header)] + ["\t".join(str(r.get(h, "")) for h in header) for r in records]) + "\n")


def v3_run(hmf: Path, out: Path, sample: str = "COLO829T", subject: str = "PAT001") -> Path:
    """An oncoanalyser 3.0 output folder for one sample: `out/<group>/purple/...`, `linx/somatic_annotations/...`."""
    f = fixture_files(hmf)
    group = out / "COLO829"
    purple, linx = group / "purple", group / "linx" / "somatic_annotations"
    purple.mkdir(parents=True)
    linx.mkdir(parents=True)
    (purple / f"{sample}.purple.purity.tsv").write_text(read_text(f["purple_purity"]))
    (purple / f"{sample}.purple.qc").write_text(read_text(f["purple_qc"]) + "TincLevel\t0.0300\n")
    (purple / f"{sample}.purple.cnv.somatic.tsv").write_text(read_text(f["purple_cnv_somatic"]))
    (purple / f"{sample}.purple.chromosome_arm.tsv").write_text(read_text(f["purple_chromosome_arm"]))
    genes = [dict(r, isCanonical="true", relativeMinCopyNumber="0.9", depthWindowCount="12", gcContent="0.41",
                  reportedStatus="NONE", driverType="") for r in tsv(f["purple_cnv_gene"])]
    genes[0].update(reportedStatus="REPORTED", driverType="DEL")
    write(purple / f"{sample}.purple.cnv.gene.tsv", V3["purple_cnv_gene"], genes)
    drivers = [dict(r, reportedStatus="REPORTED") for r in tsv(f["purple_driver_somatic"])]
    drivers.append(dict(drivers[0], gene="MYC", driver="AMP", reportedStatus="NOT_REPORTED", transcript="ENST00000377970"))
    write(purple / f"{sample}.purple.driver.catalog.somatic.tsv", V3["purple_driver_somatic"], drivers)
    write(purple / f"{sample}.purple.driver.catalog.germline.tsv", V3["purple_driver_germline"], [])
    amp_del = [dict(r, transcript=f"ENST{i:011d}", isPartial="false") for i, r in enumerate(tsv(f["purple_germline_amp_del"]))]
    amp_del[0].update(germlineStatus="AMPLIFICATION", isPartial="true", reportedStatus="REPORTED")
    write(purple / f"{sample}.purple.germline_amp_del.tsv", V3["purple_germline_amp_del"], amp_del)
    (purple / "purple.version").write_text("version=4.4.0\nbuild.date=2026-06-01\n")
    (linx / "linx.version").write_text("version=2.3\n")

    (linx / f"{sample}.linx.svs.tsv").write_text(read_text(f["linx_svs"]))
    breakends = [dict(r, vcfId=str(1000 + int(r["id"])), coords="1:1000:1",
                      reportedStatus="REPORTED" if r["reportedDisruption"] == "true" else "NONE") for r in tsv(f["linx_breakend"])]
    breakends[0]["reportedStatus"] = "NOT_REPORTED"
    write(linx / f"{sample}.linx.breakend.tsv", V3["linx_breakend"], breakends)
    fusions = [dict(r, fivePrimeVcfId="1", threePrimeVcfId="2", fivePrimeCoords="1:1000:1", threePrimeCoords="1:2000:-1")
               for r in tsv(f["linx_fusion"])]
    write(linx / f"{sample}.linx.fusion.tsv", V3["linx_fusion"], fusions)
    catalogue = [dict(r, reportedStatus="REPORTED") for r in tsv(f["linx_driver_catalog"])]
    write(linx / f"{sample}.linx.driver.catalog.tsv", V3["linx_driver_catalog"], catalogue)
    (linx / f"{sample}.linx.drivers.tsv").write_text(read_text(f["linx_drivers"]))
    (linx / f"{sample}.linx.clusters.tsv").write_text(read_text(f["linx_clusters"]))
    write(linx / f"{sample}.linx.links.tsv", V3["linx_links"], [dict(zip(V3["linx_links"], r)) for r in LINKS_ROWS])

    info = out / "pipeline_info"
    info.mkdir()
    (info / "software_versions.yml").write_text(
        "PURPLE:\n  purple: 4.4.0\nSAGE_SOMATIC:\n  sage: 5.0\nPAVE_SOMATIC:\n  pave: 1.9\n"
        "Workflow:\n  Nextflow: 25.04.0\n  nf-core/oncoanalyser: v3.0.0\n")
    (out / "samplesheet.csv").write_text(
        "group_id,subject_id,sample_id,sample_type,sequence_type,filetype,filepath\n"
        f"COLO829,{subject},{sample},tumor,dna,bam,/data/{sample}.bam\n"
        f"COLO829,{subject},COLO829R,normal,dna,bam,/data/COLO829R.bam\n")
    return out


@pytest.fixture
def v3(store, hmftools_fixtures, tmp_path):
    report = ingest_hmftools(store, v3_run(hmftools_fixtures, tmp_path / "output"), ref_genome="GRCh37")
    return store, report


def test_a_v3_folder_reports_nothing_dropped_that_the_model_could_hold(v3):
    _, report = v3
    undeclared = [n for n in report.not_stored if "does not read" in n["reason"]]
    assert undeclared == []
    dropped = {(Path(n["file"]).name.split(".", 1)[1], n["column"]) for n in report.not_stored}
    # only fit diagnostics, values repeated elsewhere, and ids joining files are left out, each with its reason
    assert ("purple.purity.tsv", "normFactor") in dropped and ("purple.qc", "Purity") in dropped
    assert ("linx.fusion.tsv", "fivePrimeCoords") in dropped
    assert not any(column in ("reportedStatus", "driverType", "TincLevel", "isPartial", "transcript") for _, column in dropped)
    assert all(n["reason"] for n in report.not_stored)
    assert any(line.startswith("not stored: ") for line in report.notes())


def test_v3_layouts_are_recognised_by_version(v3):
    _, report = v3
    by_file = {Path(f).name.split(".", 1)[1]: v for f, v in report.layouts.items()}
    assert by_file["purple.cnv.gene.tsv"] == ["PURPLE 4.4-4.5"]
    assert by_file["linx.breakend.tsv"] == ["LINX 2.3"]
    assert by_file["purple.germline_amp_del.tsv"] == ["PURPLE 4.4-4.5"]


def test_v3_germline_amplifications_and_deletions_are_stored(v3, hmftools_fixtures):
    store, _ = v3
    got = sorted(rows(store, "germline_amp_del"), key=lambda r: r["event_id"])
    assert len(got) == len(tsv(fixture_files(hmftools_fixtures)["purple_germline_amp_del"]))
    first = got[0]
    assert (first["gene"], first["germline_status"], first["is_partial"], first["reported_status"]) == ("RHD", "AMPLIFICATION", True, "REPORTED")
    assert first["transcript"] == "ENST00000000000" and first["germline_copy_number"] == 1.17


def test_v3_gene_copy_number_keeps_reported_status_driver_type_depth_and_gc(v3):
    store, _ = v3
    genes = {r["gene"]: r for r in rows(store, "gene_copy_number")}
    reported = [r for r in genes.values() if r["reported_status"] == "REPORTED"]
    assert len(reported) == 1 and reported[0]["driver_type"] == "DEL"
    assert all(r["depth_window_count"] == 12 and r["gc_content"] == 0.41 for r in genes.values())


def test_v3_breakend_reported_status_is_not_collapsed_to_a_boolean(v3):
    store, _ = v3
    breakends = {r["breakend_id"]: r for r in rows(store, "sv_breakend")}
    assert breakends[0]["reported_status"] == "NOT_REPORTED" and breakends[0]["reported"] is False
    assert breakends[0]["vcf_id"] == "1000" and (breakends[0]["chromosome"], breakends[0]["position"]) == ("1", 1000)


def test_v3_fusion_junction_copy_numbers_are_rebuilt_as_linx_2_2_wrote_them(v3, hmftools_fixtures):
    store, _ = v3
    written = {r["name"]: float(r["junctionCopyNumber"]) for r in tsv(fixture_files(hmftools_fixtures)["linx_fusion"])}
    rebuilt = {r["name"]: r["junction_copy_number"] for r in rows(store, "fusion")}
    assert rebuilt.keys() == written.keys()
    assert all(abs(rebuilt[n] - written[n]) <= 0.0001 for n in written), (rebuilt, written)


def test_v3_arms_linx_drivers_clusters_links_qc_key_and_not_reported_drivers(v3):
    store, _ = v3
    arms = {(r["chromosome"], r["arm"]): r for r in rows(store, "chromosome_arm_copy_number")}
    assert arms[("1", "Q")]["mean_copy_number"] == 4.2143
    assert {(r["gene"], r["event_type"]) for r in rows(store, "sv_driver")} >= {("CDKN2A", "LOH_SV_TELO"), ("PTEN", "LOH_SV_TELO")}
    assert len(rows(store, "sv_cluster")) == 60
    links = {r["chain_index"]: r for r in rows(store, "sv_link")}
    assert links["1;2"]["length"] == 88 and links["0"]["assembled"] is True
    [profile] = rows(store, "tumor_profile")
    assert (profile["tinc_level"], profile["loh_percent"], profile["amber_gender"]) == (0.03, 0.193, "MALE")
    assert (profile["run_mode"], profile["targeted"]) == ("TUMOR_GERMLINE", False)
    statuses = {(r["gene"], r["reported_status"]) for r in rows(store, "driver")}
    assert ("MYC", "NOT_REPORTED") in statuses


def test_versions_are_stored_per_sample_with_their_source(v3):
    store, _ = v3
    versions = {r["tool"]: r for r in rows(store, "tool_version")}
    assert versions["purple"]["version"] == "4.4.0" and versions["purple"]["source"].endswith("purple.version")
    assert versions["linx"]["version"] == "2.3"
    assert versions["sage"]["version"] == "5.0" and versions["sage"]["source"].endswith("software_versions.yml")
    assert versions["oncoanalyser"]["version"] == "3.0.0"
    assert versions["wigits"]["version"] == "3.0"
    assert {r["sample_id"] for r in versions.values()} == {"COLO829T"}


def test_the_run_registers_its_samples_with_their_patient_and_names_those_without_clinical_data(v3):
    store, report = v3
    assert [(r["sample_id"], r["patient_id"]) for r in rows(store, "sample")] == [("COLO829T", "PAT001")]
    assert report.registered == ["COLO829T"] and report.without_clinical == ["COLO829T"]
    assert any("still lack clinical data: COLO829T" in line for line in report.notes())


def test_registered_samples_are_in_cohorts_before_clinical_data_arrives(v3):
    from onconode.analysis.cohort import select

    store, _ = v3
    ids = select(store.snapshot(), {"op": "tmb", "min_per_mb": 10}).to_pyarrow().to_pylist()
    assert [r["sample_id"] for r in ids] == ["COLO829T"]


def test_a_sample_with_no_known_patient_is_named_not_registered(store, hmftools_fixtures, tmp_path):
    run = v3_run(hmftools_fixtures, tmp_path / "output")
    (run / "samplesheet.csv").unlink()
    report = ingest_hmftools(store, run, ref_genome="GRCh37")
    assert report.registered == [] and rows(store, "sample") == []
    assert report.unregistered == ["COLO829T"]
    assert any(line.startswith("not registered (1): COLO829T") and "--sample-sheet" in line for line in report.notes())


def test_an_unknown_layout_names_the_file_the_columns_and_the_known_versions(store, hmftools_fixtures, tmp_path):
    run = v3_run(hmftools_fixtures, tmp_path / "output")
    path = next(run.rglob("*.linx.breakend.tsv"))
    text = read_text(path).replace("reportedStatus", "reportStatus", 1)
    path.write_text(text)
    with pytest.raises(IngestError) as caught:
        ingest_hmftools(store, run, ref_genome="GRCh37")
    [p] = caught.value.problems
    assert p.file == str(path) and p.line == 1
    assert "unknown column(s) reportStatus" in p.message
    assert "LINX 2.0-2.2:" in p.message and "LINX 2.3:" in p.message
    assert rows(store, "sv_breakend") == []


def test_a_2x_germline_deletion_file_maps_its_boolean_onto_the_status(store, hmftools_fixtures, tmp_path):
    f = fixture_files(hmftools_fixtures)
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "S.purple.purity.tsv").write_text(read_text(f["purple_purity"]))
    old = [dict(r, reported="true" if i == 0 else "false") for i, r in enumerate(tsv(f["purple_germline_amp_del"]))]
    write(folder / "S.purple.germline.deletion.tsv", next(list(layout.header) for layout in LAYOUTS["purple_germline_amp_del"] if layout.versions == "PURPLE 4.1-4.3 (germline.deletion.tsv)"), old)
    report = ingest_hmftools(store, folder, ref_genome="GRCh37")
    got = sorted(rows(store, "germline_amp_del"), key=lambda r: r["event_id"])
    assert [r["reported_status"] for r in got[:2]] == ["REPORTED", "NONE"]
    assert ["PURPLE 4.1-4.3 (germline.deletion.tsv)"] in report.layouts.values()


def test_stats_json_counts_every_new_table_under_its_name(hmftools_fixtures, tmp_path):
    home = str(tmp_path / "node")
    run = v3_run(hmftools_fixtures, tmp_path / "output")
    cmd = [sys.executable, "-m", "onconode", "--home", home]
    subprocess.run(cmd + ["init"], check=True, capture_output=True)
    done = subprocess.run(cmd + ["ingest", "hmftools", str(run), "--ref-genome", "GRCh37"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "not stored:" in done.stdout and "still lack clinical data" in done.stdout
    counts = json.loads(subprocess.run(cmd + ["stats", "--json"], check=True, capture_output=True, text=True).stdout)
    for table in ("germline_amp_del", "chromosome_arm_copy_number", "sv_driver", "sv_cluster", "sv_link", "tool_version"):
        assert counts[table] > 0, table
    assert counts["sample"] == 1


def test_the_2x_fixtures_report_every_column_not_stored_with_a_declared_reason(store, hmftools_fixtures, tmp_path):
    from test_hmftools_support import sample_folder

    folder = sample_folder(hmftools_fixtures, tmp_path / "COLO829", without={"purple_somatic_vcf"})
    report = ingest_hmftools(store, folder, sample_id="COLO829T")
    assert [n for n in report.not_stored if "does not read" in n["reason"]] == []
    dropped = {(Path(n["file"]).name.split(".", 1)[1], n["column"]) for n in report.not_stored}
    assert ("purple.cnv.gene.LEGACY_v3.EXCERPT.tsv", "transcriptVersion") in dropped
    by_file = {Path(f).name.split(".", 1)[1]: v for f, v in report.layouts.items()}
    assert by_file["linx.breakend.tsv"] == ["LINX 2.0-2.2"] and by_file["linx.fusion.tsv"] == ["LINX 2.0-2.2"]
    assert by_file["purple.cnv.gene.LEGACY_v3.EXCERPT.tsv"] == ["PURPLE 3.x"]


SAGE_5_RENAMES = {"ABQ": "ARCBQ", "AMQ": "ARMQ", "RABQ": "ASBQ", "SB": "FSB"}  # sage/.../vcf/VariantVCF.java at R3.0


def sage5_vcf(text: str) -> str:
    """The fixture's SAGE 3.4 / PURPLE 4.0 somatic VCF with SAGE 5.0's FORMAT ids and PURPLE 4.4's version line."""
    out = []
    for line in text.splitlines():
        if line.startswith("##FORMAT=<ID="):
            key = line[len("##FORMAT=<ID="):].split(",", 1)[0]
            line = line.replace(f"ID={key},", f"ID={SAGE_5_RENAMES.get(key, key)},", 1)
        elif line.startswith(("##sageVersion=", "##purpleVersion=")):
            line = "##sageVersion=5.0" if line.startswith("##sage") else "##purpleVersion=4.4"
        elif not line.startswith("#"):
            fields = line.split("\t")
            fields[8] = ":".join(SAGE_5_RENAMES.get(k, k) for k in fields[8].split(":"))
            line = "\t".join(fields)
        out.append(line)
    return "\n".join(out) + "\n"


def test_sage_5_renamed_format_fields_load_like_sage_4_and_the_versions_follow(store, hmftools_fixtures, tmp_path):
    import gzip

    from onconode.store import Store

    vcf = hmftools_fixtures / "vcf" / "TUMOR_SAMPLE.purple.somatic.vcf.gz"
    purity = fixture_files(hmftools_fixtures)["purple_purity"]
    loaded = {}
    for name, text in (("old", gzip.decompress(vcf.read_bytes()).decode()), ("new", None)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "S.purple.purity.tsv").write_text(read_text(purity))
        body = text if text is not None else sage5_vcf(gzip.decompress(vcf.read_bytes()).decode())
        (folder / "S.purple.somatic.vcf").write_text(body)
        target = store if name == "new" else Store.init(tmp_path / "old-store")
        ingest_hmftools(target, folder, sample_id="S")
        loaded[name] = (sorted(rows(target, "somatic_variant"), key=lambda r: r["position"]),
                        {r["tool"]: r["version"] for r in rows(target, "tool_version")})
    assert "ARCBQ" in (tmp_path / "new" / "S.purple.somatic.vcf").read_text()
    assert loaded["new"][0] == loaded["old"][0] and len(loaded["new"][0]) == 9
    assert loaded["old"][1] == {"pave": "1.6", "purple": "4.0", "sage": "3.4", "wigits": "2.x"}
    assert loaded["new"][1] == {"pave": "1.6", "purple": "4.4", "sage": "5.0", "wigits": "3.0"}


def test_orange_breakend_reported_status_is_kept_as_written(store, hmftools_fixtures):
    ingest_hmftools(store, hmftools_fixtures / "orange" / "real.orange.json")
    breakends = rows(store, "sv_breakend")
    assert breakends and {(r["reported_status"], r["reported"]) for r in breakends} == {("REPORTED", True)}


def test_wigits_files_no_reader_takes_are_named_in_the_report(store, hmftools_fixtures):
    report = ingest_hmftools(store, hmftools_fixtures, sample="tumor_sample", sample_id="COLO829T")
    names = {Path(f).name for f in report.files_not_read}
    assert "tumor_sample.linx.germline.breakend.tsv" not in names   # read into germline_sv_breakend since LINX germline support
    assert "tumor_sample.purple.purity.range.EXCERPT.tsv" in names
    assert not any(n.endswith((".purple.purity.tsv", ".linx.svs.tsv")) for n in names)
    assert any(line.startswith("files not read (") for line in report.notes())


def test_an_orange_4_record_with_all_lists_loads_like_orange_5(store, hmftools_fixtures, tmp_path):
    """ORANGE <= 4.1 (orange-datamodel 3.0: PurpleRecord.allSomaticVariants, LinxRecord.allSomaticFusions ...)."""
    from onconode.store import Store

    record = json.loads((hmftools_fixtures / "orange" / "real.orange.json").read_text())
    renames = {"purple": {"somaticVariants": "allSomaticVariants", "somaticGainsDels": "allSomaticGainsDels"},
               "linx": {"fusions": "allSomaticFusions", "somaticBreakends": "allSomaticBreakends"}}
    old = json.loads(json.dumps(record))
    for section, names in renames.items():
        for new, was in names.items():
            old[section][was] = old[section].pop(new)
    path = tmp_path / "S.orange.json"
    path.write_text(json.dumps(old))
    ingest_hmftools(store, path, sample_id="S")
    new_store = Store.init(tmp_path / "new")
    ingest_hmftools(new_store, hmftools_fixtures / "orange" / "real.orange.json", sample_id="S")
    for table in ("somatic_variant", "gene_copy_number", "fusion", "sv_breakend"):
        assert len(rows(store, table)) == len(rows(new_store, table)), table
    assert rows(store, "somatic_variant")
