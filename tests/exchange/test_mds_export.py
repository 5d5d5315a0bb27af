"""1+MG / GDI minimal dataset export: one CSV per class; every mandatory item is a value or
an HL7 NullFlavor, and each NullFlavored item is in the report."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from onconode.exchange.mds import CLASSES, NULL_FLAVOR, genomic_hgvs
from onconode.exchange.run import export_freeze
from onconode.store.store import Store


@pytest.fixture(scope="module")
def mds(frozen_home: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("mds") / "out"
    with Store.open(frozen_home, read_only=True) as store:
        report = export_freeze(store, "mds", "DR-1", out)
    return out, report


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_class_is_a_csv_whose_mandatory_items_are_a_value_or_a_null_flavor(mds) -> None:
    out, _ = mds
    for name, items in CLASSES.items():
        rows = read(out / name)
        assert rows, name
        assert list(rows[0]) == [c for c, _ in items]
        for row in rows:
            for column, mandatory in items:
                if mandatory:
                    assert row[column], f"{name} {column} empty"


def test_each_null_flavored_mandatory_item_is_counted_in_the_report(mds) -> None:
    out, report = mds
    for name, items in CLASSES.items():
        for column, mandatory in items:
            flavored = sum(r[column].startswith(NULL_FLAVOR) for r in read(out / name))
            key = [k for k in report.not_expressed if k.startswith(f"{name.removesuffix('.csv')}.{column}: mandatory")]
            assert (report.not_expressed[key[0]] if key else 0) == flavored, (name, column)
    assert report.not_expressed["sequence.sequencing_platform: mandatory, not in the data: NI NullFlavor"] > 0


def test_subjects_samples_and_reported_variants_come_with_their_codes(frozen_home: Path, mds) -> None:
    out, _ = mds
    with Store.open(frozen_home, read_only=True) as store:
        patients = store.con.execute("SELECT patient_id, birth_year, sex FROM patient ORDER BY 1").fetchall()
        reported = store.con.execute("SELECT count(*) FROM somatic_variant WHERE reported").fetchone()[0]
    subjects = read(out / "subject_diagnosis.csv")
    assert [(s["subject_id"], int(s["birth_date"])) for s in subjects] == [(p, y) for p, y, _ in patients]
    assert all(s["administrative_gender"].startswith("http://hl7.org/fhir/administrative-gender#") for s in subjects)
    assert all(s["diagnosis"].startswith("http://purl.obolibrary.org/obo/DOID_") for s in subjects)
    variants = read(out / "variant.csv")
    assert len(variants) == reported
    assert all(v["hgvs"].startswith("NC_0000") and ":g." in v["hgvs"] for v in variants)


@pytest.mark.parametrize("args, expected", [
    (("GRCh37", "7", 140453136, "A", "T"), "NC_000007.13:g.140453136A>T"),
    (("GRCh38", "chr17", 100, "CAG", "C"), "NC_000017.11:g.101_102del"),
    (("GRCh38", "1", 100, "C", "CTT"), "NC_000001.11:g.100_101insTT"),
    (("GRCh38", "1", 100, "CA", "GT"), "NC_000001.11:g.100_101delinsGT"),
    (("GRCh38", "1", 100, "CAT", "C"), "NC_000001.11:g.101_102del"),
    (("GRCh38", "1", 100, "CA", "C"), "NC_000001.11:g.101del"),
    (("hg99", "1", 100, "C", "T"), None),
])
def test_genomic_hgvs_on_the_refseq_contig(args, expected) -> None:
    assert genomic_hgvs(*args) == expected
