"""A study cBioPortal accepts imports with the counts cBioPortal would show."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from onconode.ingest.cbioportal import ingest_cbioportal
from onconode.ingest.problems import IngestError
from onconode.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "cbioportal"
MINIMAL, FULL = DATA / "minimal", DATA / "full"


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    return store.con.execute(sql, params or []).fetchall()


def current(table: str) -> str:
    return f'(SELECT * FROM "{table}" WHERE "_removed" IS NULL)'


def test_minimal_study_loads_its_dataset_patients_and_samples(store: Store):
    report = ingest_cbioportal(store, MINIMAL)
    assert report.rows["dataset"] == 1 and report.rows["patient"] == 2 and report.rows["sample"] == 2
    assert rows(store, f"SELECT dataset_id, title FROM {current('dataset')}") == [("onco_minimal", "Minimal onconode test study")]
    assert rows(store, f"SELECT patient_id, sample_id FROM {current('sample')} ORDER BY 1") == [
        ("MIN-P1", "MIN-P1-T"), ("MIN-P2", "MIN-P2-T")]
    # No genomic data: no sample was sequenced, so none has a tumour profile.
    assert rows(store, f"SELECT count(*) FROM {current('tumor_profile')}") == [(0,)]
    assert report.problems == []


def test_dataset_option_overrides_the_study_identifier(store: Store):
    ingest_cbioportal(store, MINIMAL, dataset="national-2026")
    assert rows(store, f"SELECT DISTINCT dataset_id FROM {current('patient')}") == [("national-2026",)]


def test_full_study_patient_and_sample_counts(store: Store):
    report = ingest_cbioportal(store, FULL)
    assert report.patients == ["FULL-P1", "FULL-P2", "FULL-P3", "FULL-P4"]
    assert len(report.samples) == 5
    assert rows(store, f"SELECT count(*) FROM {current('patient')}") == [(4,)]
    assert rows(store, f"SELECT patient_id, count(*) FROM {current('sample')} GROUP BY 1 ORDER BY 1") == [
        ("FULL-P1", 2), ("FULL-P2", 1), ("FULL-P3", 1), ("FULL-P4", 1)]


def test_survival_months_become_dates_after_the_anchor_day(store: Store):
    ingest_cbioportal(store, FULL)
    got = {r[0]: r[1:] for r in rows(store, f"SELECT patient_id, diagnosis_date, death_date, last_follow_up_date, birth_year, sex FROM {current('patient')}")}
    anchor = dt.date(2000, 1, 1)
    # FULL-P1: 1:DECEASED after 12 months → died 12 × 30.4375 = 365 days after day 0; AGE 61 → born 1938.
    assert got["FULL-P1"] == (anchor, dt.date(2000, 12, 31), None, 1938, "male")
    # FULL-P2: 0:LIVING at 24.5 months (746 days) → last follow-up, censored.
    assert got["FULL-P2"] == (anchor, None, anchor + dt.timedelta(days=746), 1929, "male")
    # FULL-P3: AGE '>89' is read as 89 (cBioPortal allows a > prefix on NUMBER values).
    assert got["FULL-P3"][3] == 1910
    # FULL-P4: status and months are nulls ([not available], NA): neither date is known.
    assert got["FULL-P4"][1:3] == (None, None)


def test_oncotree_codes_and_cancer_type_text_are_curated_to_tumour_fields(store: Store):
    ingest_cbioportal(store, FULL)
    got = {r[0]: r[1:] for r in rows(store, f"""SELECT sample_id, primary_tumor_location, primary_tumor_type,
        primary_tumor_sub_type, primary_tumor_doids, primary_tumor_curated, biopsy_site FROM {current('sample')}""")}
    assert got["FULL-P1-T1"] == ("Lung", "Carcinoma", "Adenocarcinoma", "3910", True, "Liver")
    assert got["FULL-P2-T1"][:5] == ("Prostate", "Carcinoma", "Adenocarcinoma", "2526", True)
    assert got["FULL-P2-T1"][5] == "Primary"  # SAMPLE_TYPE Primary, no METASTATIC_SITE
    assert got["FULL-P3-T1"][:4] == ("Skin", "Melanoma", "Cutaneous melanoma", "8923")


def test_uncurated_cancer_types_keep_cbioportal_text(store: Store, tmp_path: Path):
    study = shutil.copytree(MINIMAL, tmp_path / "study")
    path = study / "data_clinical_sample.txt"
    path.write_text(path.read_text().replace("Melanoma", "Rare Glomus Tumor"))
    ingest_cbioportal(store, study)
    assert rows(store, f"SELECT primary_tumor_location, primary_tumor_curated FROM {current('sample')} WHERE sample_id = 'MIN-P2-T'") == [
        ("Rare Glomus Tumor", False)]


def test_sequenced_samples_get_a_tumour_profile_with_what_they_were_profiled_for(store: Store):
    ingest_cbioportal(store, FULL)
    got = {r[0]: r[1:] for r in rows(store, f"SELECT sample_id, ref_genome, profiled, purity, tmb_per_mb, tmb_status, msi_status FROM {current('tumor_profile')}")}
    assert set(got) == {"FULL-P1-T1", "FULL-P1-T2", "FULL-P2-T1", "FULL-P3-T1", "FULL-P4-T1"}
    assert {v[0] for v in got.values()} == {"GRCh37"}  # meta_study reference_genome: hg19
    # From the _sequenced, _cna and _sv case lists: FULL-P4-T1 has no CNA, FULL-P1-T2 no SV data.
    assert got["FULL-P1-T1"][1] == "mutations,cna,structural_variants"
    assert got["FULL-P1-T2"][1] == "mutations,cna"
    assert got["FULL-P4-T1"][1] == "mutations,structural_variants"
    # TUMOR_PURITY as a fraction (0.62) or a percentage (45) is stored as a fraction.
    assert got["FULL-P1-T1"][2] == pytest.approx(0.62) and got["FULL-P1-T2"][2] == pytest.approx(0.45)
    assert got["FULL-P1-T1"][3:5] == (12.4, "HIGH")
    # MSI_SCORE (MSIsensor): 12.5 ≥ 10 is MSI, 0.5 < 3 is MSS, 5 is indeterminate.
    assert (got["FULL-P2-T1"][5], got["FULL-P1-T1"][5], got["FULL-P3-T1"][5]) == ("MSI", "MSS", "UNKNOWN")


def test_cna_counts_per_gene_match_cbioportal(store: Store):
    ingest_cbioportal(store, FULL)
    counts = dict(((g, c), n) for g, c, n in rows(store, f"SELECT gene, cna_call, count(*) FROM {current('gene_copy_number')} GROUP BY ALL"))
    # cBioPortal's CNA genes table counts -2 (HOMDEL) and 2 (AMP) among the 4 samples of the _cna list.
    assert counts[("CDKN2A", "HOMDEL")] == 3          # -2 -2 0 -2
    assert counts[("PTEN", "HOMDEL")] == 2            # -1 0 -2 -1.5 (legacy -1.5 is a deep deletion)
    assert counts[("MYC", "AMP")] == 2                # 2 1 2 0
    assert counts[("EGFR", "AMP")] == 2               # 2 2 0 1
    assert counts[("ERBB2", "AMP")] == 1              # 2 0 0 NA
    # Diploid (0) and NA are not rows: 20 cells, 13 altered.
    assert sum(counts.values()) == 13


def test_long_form_cna_gives_the_same_calls_as_the_matrix(store: Store, tmp_path: Path):
    study = shutil.copytree(FULL, tmp_path / "study")
    matrix = (study / "data_cna.txt").read_text().splitlines()
    header = matrix[0].split("\t")
    long_rows = ["Hugo_Symbol\tEntrez_Gene_Id\tSample_Id\tValue"]
    for line in matrix[1:]:
        cells = line.split("\t")
        long_rows += [f"{cells[0]}\t{cells[1]}\t{sample}\t{value}" for sample, value in zip(header[2:], cells[2:])]
    (study / "data_cna.txt").unlink()
    (study / "data_cna_long.txt").write_text("\n".join(long_rows) + "\n")
    meta = study / "meta_cna.txt"
    meta.write_text(meta.read_text().replace("DISCRETE", "DISCRETE_LONG").replace("data_cna.txt", "data_cna_long.txt"))
    ingest_cbioportal(store, study)
    got = sorted(rows(store, f"SELECT sample_id, gene, cna_call FROM {current('gene_copy_number')}"))
    other = Store.init(tmp_path / "other")
    ingest_cbioportal(other, FULL)
    assert got == sorted(rows(other, f"SELECT sample_id, gene, cna_call FROM {current('gene_copy_number')}"))
    other.close()


def test_structural_variants_and_two_gene_fusions(store: Store):
    report = ingest_cbioportal(store, FULL)
    svs = rows(store, f"SELECT sample_id, sv_id, type, start_gene, end_gene FROM {current('structural_variant')} ORDER BY 1, 2")
    # 5 rows: 4 somatic load; the GERMLINE CHEK2 row is reported, not loaded.
    assert svs == [
        ("FULL-P1-T1", "1", "INV", "EML4", "ALK"),
        ("FULL-P2-T1", "1", "DEL", "TMPRSS2", "ERG"),
        ("FULL-P3-T1", "1", "DEL", "EGFR", "EGFR"),
        ("FULL-P3-T1", "2", "DEL", "BRCA2", None),
    ]
    assert any("1 GERMLINE" in str(p) for p in report.problems)
    # Fusions need two different genes: the intragenic EGFR deletion and BRCA2 alone are not fusions.
    assert rows(store, f"SELECT sample_id, name, five_prime_gene, three_prime_gene, phased FROM {current('fusion')} ORDER BY 1") == [
        ("FULL-P1-T1", "EML4_ALK", "EML4", "ALK", "INFRAME"),
        ("FULL-P2-T1", "TMPRSS2_ERG", "TMPRSS2", "ERG", "INFRAME"),
    ]


def test_treatment_timeline_becomes_regimens_with_curated_drugs(store: Store):
    ingest_cbioportal(store, FULL)
    treatments = rows(store, f"SELECT treatment_id, start_date, end_date, regimen, type FROM {current('treatment')} ORDER BY 1")
    day = lambda n: dt.date(2000, 1, 1) + dt.timedelta(days=n)  # noqa: E731
    assert treatments == [
        # Carboplatin and Paclitaxel share days 10..100: one regimen.
        ("FULL-P1-treatment-1", day(10), day(100), "Carboplatin/Paclitaxel", "Chemotherapy"),
        ("FULL-P1-treatment-2", day(150), None, "Osimertinib", "Targeted therapy"),
        ("FULL-P2-treatment-1", day(-20), day(15), "WPRT", "Radiotherapy"),
        ("FULL-P3-treatment-1", day(40), day(160), "Nivolumab/Ipilimumab", "Immunotherapy"),
        ("FULL-P3-treatment-2", day(200), day(230), "ONC-0001", "Experimental therapy"),
    ]
    drugs = {r[0]: r[1:] for r in rows(store, f"SELECT drug, atc_code, curated FROM {current('treatment_drug')}")}
    assert drugs["Osimertinib"] == ("L01EB04", True)
    assert drugs["ONC-0001"] == (None, False)


def test_reingest_replaces_the_study_and_keeps_the_previous_version(store: Store, tmp_path: Path):
    first = ingest_cbioportal(store, FULL)
    study = shutil.copytree(FULL, tmp_path / "study")
    sv = study / "data_sv.txt"
    sv.write_text("\n".join(line for line in sv.read_text().splitlines() if "EML4" not in line) + "\n")
    second = ingest_cbioportal(store, study)
    assert second.version == first.version + 1
    # FULL-P1-T1 is still in the _sv list but has no SV any more: its old SV and fusion are retired.
    assert rows(store, f"SELECT count(*) FROM {current('fusion')} WHERE sample_id = 'FULL-P1-T1'") == [(0,)]
    assert rows(store, f"SELECT count(*) FROM {current('patient')}") == [(4,)]
    assert len(rows(store, store.relation_sql("fusion", first.version))) == 2


def test_a_patient_already_in_another_dataset_is_refused(store: Store):
    ingest_cbioportal(store, MINIMAL)
    before = store.current_version
    with pytest.raises(IngestError, match="already in the store in dataset onco_minimal"):
        ingest_cbioportal(store, MINIMAL, dataset="another")
    assert store.current_version == before


def test_mutations_keep_every_classification_but_count_like_cbioportal(store: Store):
    report = ingest_cbioportal(store, FULL)
    assert report.rows["somatic_variant"] == 25
    classes = {r[0] for r in rows(store, f"SELECT DISTINCT variant_classification FROM {current('somatic_variant')}")}
    assert len(classes) == 22  # every MAF Variant_Classification, the filtered ones included
    shown = dict(rows(store, f"""SELECT sample_id, count(*) FILTER (WHERE NOT default_filtered)
        FROM {current('somatic_variant')} GROUP BY 1"""))
    # cBioPortal's importer (MutationFilter) drops Silent, Intron, 3'UTR, 3'Flank, 5'UTR, IGR and
    # 5'Flank except in TERT (Entrez 7015, the promoter); everything else is counted.
    assert shown == {
        "FULL-P1-T1": 4,  # EGFR missense, TP53 nonsense, STK11 frameshift, TERT 5'Flank (promoter); not KRAS silent, KEAP1 intron
        "FULL-P1-T2": 3,  # EGFR missense, RB1 splice site, NF1 nonstop; not MYC 3'UTR, the IGR
        "FULL-P2-T1": 5,  # SPOP in-frame del, FOXA1 in-frame ins, PTEN frameshift ins, ATM start site, MALAT1 RNA; not AR 5'UTR, CDK12 3'Flank
        "FULL-P3-T1": 6,  # BRAF missense, PTEN splice region, CDKN2A targeted region, MITF and KIT de novo starts, NF1 Unknown; not NRAS 5'Flank
    }
    # FULL-P4-T1 is in the _sequenced list without mutations: profiled, with 0 mutations.
    assert rows(store, f"SELECT profiled LIKE '%mutations%' FROM {current('tumor_profile')} WHERE sample_id = 'FULL-P4-T1'") == [(True,)]


def test_data_of_a_sample_outside_its_case_list_loads_but_does_not_count_as_profiled(store: Store, tmp_path: Path):
    study = shutil.copytree(FULL, tmp_path / "study")
    sv_list = study / "case_lists" / "cases_sv.txt"
    sv_list.write_text(sv_list.read_text().replace("FULL-P1-T1\t", ""))
    report = ingest_cbioportal(store, study)
    assert any("1 sample(s) have structural_variants data but are not in this list" in str(p) for p in report.problems)
    assert rows(store, f"SELECT profiled FROM {current('tumor_profile')} WHERE sample_id = 'FULL-P1-T1'") == [("mutations,cna",)]
    assert rows(store, f"SELECT count(*) FROM {current('structural_variant')} WHERE sample_id = 'FULL-P1-T1'") == [(1,)]
