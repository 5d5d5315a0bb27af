"""Fuzzing the hostile inputs of issue 15 item 16 through the whole ingest: compressed files cut anywhere,
NUL bytes, contig spellings, duplicated columns, deep JSON and data_filename paths. A traceback anywhere is
a test failure; the only exception allowed is IngestError, and then the store is unchanged. What does load
holds no NUL and no 'chr'-prefixed contig."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.clinical import ingest_clinical
from onconode.ingest.maf import ingest_maf
from onconode.ingest.phenopackets import ingest_phenopackets
from onconode.ingest.problems import IngestError
from onconode.ingest.vcf import ingest_vcf
from onconode.store import Store
from test_clinical import GOOD as CLINICAL
from test_maf import BRAF, COLUMNS
from test_vcf import HEADER

from tests.conftest import bgzf_bytes

BGZF_EOF_BYTES = 28   # the empty block that ends a BGZF file (SAM/BAM specification, 4.1.2)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
STUDY = Path(__file__).resolve().parents[1] / "data" / "cbioportal" / "full"
PHENOPACKET = Path(__file__).resolve().parents[1] / "data" / "phenopackets" / "melanoma_braf.json"
CONTIGS = st.one_of(st.sampled_from(["chr1", "chr7", "chrX", "chrM"]),
                    st.sampled_from(["1", "7", "X", "x", "M", "MT", "chrUn_gl000220", "GL000220.1", "99", "chr", ""]))
RECORD = st.builds(
    lambda chrom, pos, noise: f"{chrom}\t{pos}\t.\tA\tT\t900\tPASS\tPURPLE_AF=0.6{noise}\tGT:AD:DP\t0/0:30,0:30\t0/1:40,60:100",
    CONTIGS, st.one_of(st.integers(1, 16_000), st.integers(0, 300_000_000)), st.sampled_from(["", "", "", "\x00", ";TIER=x\x00y", ";X=%00"]),
)


def ingest_only_refuses(store: Store, ingest, *args, **kwargs) -> bool:
    """Run an ingest that may fail only with IngestError (store unchanged); True when it loaded."""
    before = (store.current_version, store.counts())
    try:
        ingest(store, *args, **kwargs)
    except IngestError as exc:
        assert exc.problems or exc.dropped
        assert (store.current_version, store.counts()) == before
        return False
    return True


def loaded_text_is_clean(store: Store) -> None:
    for table in ("patient", "sample", "treatment", "treatment_response", "somatic_variant", "structural_variant"):
        for row in store.table(table).to_pyarrow().to_pylist():
            for column, value in row.items():
                assert not (isinstance(value, str) and "\0" in value), (table, column, value)
                assert not (column in ("chromosome", "start_chromosome", "end_chromosome") and value and value.lower().startswith("chr")), (table, value)


@FUZZ
@given(records=st.lists(RECORD, min_size=1, max_size=8, unique=True), bgzipped=st.booleans(), cut=st.floats(0, 1), keep_whole=st.booleans())
def test_vcf_cut_anywhere_with_any_contig_and_nul_only_loads_clean_rows_or_refuses(tmp_path_factory, records, bgzipped, cut, keep_whole):
    folder = tmp_path_factory.mktemp("vcf")
    text = (HEADER + "\n".join(records) + "\n").encode()
    data = bgzf_bytes(text) if bgzipped else gzip.compress(text)
    whole = len(data)
    if not keep_whole:   # cut=1.0 kept every byte: hypothesis found it, and the test then demanded a refusal
        data = data[: int(len(data) * cut)]
    (folder / "f.vcf.gz").write_bytes(data)
    with Store.init(folder / "node") as store:
        if ingest_only_refuses(store, ingest_vcf, folder / "f.vcf.gz", sample_id="S1", tumor=None, ref_genome="GRCh37"):
            # loading is right only when no byte of the records was cut (a BGZF file may lose
            # only its empty end-of-file block, BGZF_EOF_BYTES, and still hold every record)
            assert len(data) >= whole - (BGZF_EOF_BYTES if bgzipped else 0), (len(data), whole)
            loaded_text_is_clean(store)


@FUZZ
@given(extra=st.lists(st.sampled_from(["Hugo_Symbol", "Chromosome", "x\x00y", "Other"]), max_size=2), at=st.integers(0, len(BRAF) - 1),
       cell=st.sampled_from(["chr7", "CHR7", "7", "\x00", "BR\x00AF", "", "chrZ"]), drop=st.booleans(), gz=st.booleans())
def test_maf_with_odd_headers_and_cells_only_loads_clean_rows_or_refuses(tmp_path_factory, extra, at, cell, drop, gz):
    folder = tmp_path_factory.mktemp("maf")
    names, row = list(COLUMNS) + extra, list(BRAF) + ["v"] * len(extra)
    row[at] = cell
    if drop:
        del names[at], row[at]
    text = ("\t".join(names) + "\n" + "\t".join(row) + "\n").encode()
    (folder / "m.maf").write_bytes(gzip.compress(text) if gz else text)
    with Store.init(folder / "node") as store:
        if ingest_only_refuses(store, ingest_maf, folder / "m.maf", ref_genome="GRCh37"):
            loaded_text_is_clean(store)


@FUZZ
@given(name=st.sampled_from(["patients.tsv", "biopsies.tsv", "treatments.tsv", "responses.tsv"]),
       where=st.floats(0, 1), what=st.sampled_from(["\x00", "\tpatient_id", "\tsex", "\t1900-01-01", "\t2030-01-01", "9999"]))
def test_clinical_tsv_with_nul_duplicated_columns_or_odd_dates_only_loads_clean_rows_or_refuses(tmp_path_factory, name, where, what):
    folder = tmp_path_factory.mktemp("clinical") / "clinical"
    shutil.copytree(CLINICAL, folder)
    text = (folder / name).read_text()
    at = int(len(text) * where)
    (folder / name).write_text(text[:at] + what + text[at:])
    with Store.init(folder.parent / "node") as store:
        if ingest_only_refuses(store, ingest_clinical, folder):
            loaded_text_is_clean(store)


def _nested(depth: int, kinds: list[bool]) -> str:
    opens = "".join('{"a":' if kinds[i % len(kinds)] else "[" for i in range(depth))
    closes = "".join("}" if kinds[i % len(kinds)] else "]" for i in reversed(range(depth)))
    return opens + "1" + closes


@FUZZ
@given(depth=st.one_of(st.integers(0, 100), st.integers(100, 300_000)), kinds=st.lists(st.booleans(), min_size=1, max_size=5),
       field=st.sampled_from(["subject", "diseases", "biosamples", "metaData", "x"]), nul=st.booleans())
def test_phenopacket_nested_to_any_depth_or_holding_nul_only_refuses(tmp_path_factory, depth, kinds, field, nul):
    folder = tmp_path_factory.mktemp("pp")
    packet = json.loads(PHENOPACKET.read_text())
    text = json.dumps(packet)
    text = text.replace(f'"{field}": ', f'"{field}": ' + _nested(depth, kinds) + ', "_": ', 1) if field in packet else text[:-1] + f', "{field}": {_nested(depth, kinds)}}}'
    if nul:
        text = text.replace("HMF", "HM\\u0000F", 1)
    (folder / "p.json").write_text(text)
    with Store.init(folder / "node") as store:
        assert not ingest_only_refuses(store, ingest_phenopackets, folder / "p.json", dataset="META")


@FUZZ
@given(name=st.one_of(st.sampled_from(["../data_cna.txt", "../../etc/passwd", "/etc/passwd", "data/../../x.txt", "..\\..\\x.txt",
                                       "C:\\x.txt", "./data_cna.txt", "data_cna.txt/..", "link_out.txt", "link_in.txt", ""]),
                      st.text(alphabet="./\\a_~:", max_size=12)))
def test_cbioportal_data_filename_never_reads_outside_the_study(tmp_path_factory, name):
    root = tmp_path_factory.mktemp("cbio")
    study = shutil.copytree(STUDY, root / "study")
    outside = root / "outside_cna.txt"
    shutil.copy(STUDY / "data_cna.txt", outside)
    (study / "link_out.txt").symlink_to(outside)
    (study / "link_in.txt").symlink_to(study / "data_cna.txt")
    meta = study / "meta_cna.txt"
    meta.write_text(meta.read_text().replace("data_filename: data_cna.txt", f"data_filename: {name}"))
    with Store.init(root / "node") as store:
        loaded = ingest_only_refuses(store, ingest_cbioportal, study)
        if loaded:  # only a name that resolves inside the study may load
            assert (study / name).resolve().is_relative_to(study.resolve())
            assert name != "link_out.txt"
