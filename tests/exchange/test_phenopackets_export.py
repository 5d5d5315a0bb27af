"""Phenopackets v2 export: every file is a valid phenopacket (the official schema parses it),
carries what the model holds in the right elements, and reads back through
`onconode ingest phenopackets` into the same harmonized rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format
from phenopackets.schema.v2 import Phenopacket

from onconode.store.store import Store


def onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def exported(frozen_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pp") / "out"
    run = onconode(frozen_home, "export", "phenopackets", "--freeze", "DR-1", str(out))
    assert run.returncode == 0, run.stderr
    return out


def packets(out: Path) -> dict[str, Phenopacket]:
    found = {}
    for f in sorted(out.glob("*.json")):
        if f.name != "report.json":
            found[f.stem] = json_format.Parse(f.read_text(), Phenopacket())  # rejects unknown fields and bad types
    return found


def rows(home: Path, sql: str) -> list[tuple]:
    with Store.open(home, read_only=True) as store:
        return store.con.execute(sql).fetchall()


def test_every_patient_is_one_phenopacket_the_official_schema_parses(frozen_home: Path, exported: Path) -> None:
    found = packets(exported)
    assert sorted(found) == [r[0] for r in rows(frozen_home, "SELECT patient_id FROM patient ORDER BY 1")]
    for pid, p in found.items():
        assert p.subject.id == pid and p.meta_data.phenopacket_schema_version == "2.0"
        assert {r.namespace_prefix for r in p.meta_data.resources} >= {"NCIT", "DOID", "LOINC"}


def test_biosamples_carry_tumour_progression_diagnosis_and_the_genome_measurements(frozen_home: Path, exported: Path) -> None:
    profiles = {r[0]: r[1:] for r in rows(frozen_home, "SELECT sample_id, purity, tmb_per_mb, msi_status, biopsy_site FROM tumor_profile JOIN sample USING (sample_id)")}
    seen = 0
    for p in packets(exported).values():
        for b in p.biosamples:
            purity, tmb, msi, site = profiles[b.id]
            assert b.tumor_progression.id == ("NCIT:C84509" if site == "Primary" else "NCIT:C3261")
            assert b.histological_diagnosis.id.startswith("DOID:")
            by_assay = {m.assay.id: m for m in b.measurements}
            assert by_assay["onconode:purity"].value.quantity.value == pytest.approx(purity)
            assert by_assay["LOINC:94076-7"].value.quantity.value == pytest.approx(tmb)
            assert by_assay["LOINC:81695-9"].value.ontology_class.label == msi
            seen += 1
    assert seen == len(profiles)


def test_reported_variants_are_variation_descriptors_with_hgvs_vcf_record_and_the_vrs_2_id_in_xrefs(frozen_home: Path, exported: Path) -> None:
    reported = rows(frozen_home, "SELECT sample_id, chromosome, position, ref, alt, gene, hgvs_coding FROM somatic_variant WHERE reported")
    assert reported, "the synthetic cohort has reported variants"
    descriptors = {}
    for p in packets(exported).values():
        for interp in p.interpretations:
            for g in interp.diagnosis.genomic_interpretations:
                d = g.variant_interpretation.variation_descriptor
                v = d.vcf_record
                descriptors[(g.subject_or_biosample_id, v.chrom, int(v.pos), v.ref, v.alt)] = d
    assert set(descriptors) == {r[:5] for r in reported}
    with_id = 0
    for r in reported:
        d = descriptors[r[:5]]
        assert d.gene_context.symbol == r[5]
        assert any(e.syntax == "hgvs.c" and e.value.endswith(r[6]) for e in d.expressions)
        assert not d.variation.ListFields(), "VRS 2.0 ids never go in the VRS 1.x `variation` field"
        with_id += any(x.startswith("ga4gh:VA.") for x in d.xrefs)
    assert with_id >= len(reported) // 2


def test_treatment_lines_are_medical_actions_with_agents_and_response(exported: Path) -> None:
    actions = [a for p in packets(exported).values() for a in p.medical_actions]
    assert actions
    assert any(a.treatment.agent.id.startswith("ATC:") for a in actions if a.WhichOneof("action") == "treatment")
    assert any(a.response_to_treatment.id == "NCIT:C35571" for a in actions)  # progressive disease


def test_an_exported_freeze_read_back_by_ingest_phenopackets_gives_the_same_harmonized_rows(frozen_home: Path, exported: Path, tmp_path: Path) -> None:
    back = tmp_path / "back"
    assert onconode(back, "init").returncode == 0
    run = onconode(back, "ingest", "phenopackets", str(exported), "--dataset", "HMF-SYNTH")
    assert run.returncode == 0, run.stdout + run.stderr
    patient = ("SELECT patient_id, sex, birth_year, diagnosis_date, death_date, last_follow_up_date FROM patient ORDER BY 1")
    assert rows(back, patient) == rows(frozen_home, patient)
    sample = ("SELECT sample_id, patient_id, sampling_date, biopsy_site, biopsy_location, pathology_tumor_percentage, primary_tumor_location, "
              "primary_tumor_sub_location, primary_tumor_type, primary_tumor_sub_type, primary_tumor_doids, primary_tumor_curated "
              "FROM sample ORDER BY 1")
    assert rows(back, sample) == rows(frozen_home, sample)
    treatment = "SELECT patient_id, start_date, end_date, regimen, type, mechanism FROM treatment ORDER BY ALL"
    assert rows(back, treatment) == rows(frozen_home, treatment)
    drug = ("SELECT t.patient_id, t.start_date, d.drug, d.type, d.mechanism, d.atc_code, d.curated "
            "FROM treatment_drug d JOIN treatment t USING (treatment_id) ORDER BY ALL")
    assert rows(back, drug) == rows(frozen_home, drug)
    # one response per line: the last assessment, dated by the line's end (docs/exchange.md)
    last = ("SELECT t.patient_id, t.start_date, arg_max(r.response, r.response_date) FROM treatment_response r "
            "JOIN treatment t USING (treatment_id) WHERE t.end_date IS NOT NULL GROUP BY ALL ORDER BY ALL")
    assert rows(back, last) == rows(frozen_home, last)
