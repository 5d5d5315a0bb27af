"""Hostile eCRF exports through the whole `ingest ecrf`: ODM cut anywhere, WIDE cells of any
text (NUL bytes, quotes, delimiters, impossible dates). The only exception allowed is
IngestError, and then the store is unchanged; what loads holds no NUL byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_hostile_input_fuzz import FUZZ, ingest_only_refuses, loaded_text_is_clean

from onconode.ingest.ecrf import ingest_ecrf
from onconode.store import Store

ODM = (
    '<?xml version="1.0"?>\n<ODM><ClinicalData StudyOID="CPCT2">\n'
    '<SubjectData SubjectKey="CPCT-02-01-0001"><StudyEventData StudyEventOID="SE.BASELINE" StudyEventRepeatKey="0">\n'
    '<FormData FormOID="FRM.INFORMEDCONSENT" FormRepeatKey="0"><ItemGroupData ItemGroupOID="GRP.INFORMEDCONSENT.INFORMEDCONSENT" ItemGroupRepeatKey="0">\n'
    '<ItemData ItemOID="FLD.INFORMEDCONSENT.ICDTC" Value="{date}"/></ItemGroupData></FormData>\n'
    '<FormData FormOID="FRM.CARCINOMA" FormRepeatKey="0"><ItemGroupData ItemGroupOID="GRP.CARCINOMA.CARCINOMA" ItemGroupRepeatKey="0">\n'
    '<ItemData ItemOID="FLD.CARCINOMA.PTUMLOC" Value="{tumour}"/></ItemGroupData></FormData>\n'
    '</StudyEventData></SubjectData></ClinicalData></ODM>\n'
)
CELL = st.one_of(
    st.sampled_from(["", "1", "0", "18-jan-2018", "31-feb-2018", "3-3-2018", "12/03/2018", "2018-13-01", "PD", "lever", "bloed"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)


@FUZZ
@given(cut=st.floats(0, 1), date=st.sampled_from(["2020-01-01", "2020-02-30", "", "01-01-2020"]),
       tumour=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10))
def test_an_odm_export_cut_anywhere_loads_whole_or_refuses(tmp_path_factory, cut, date, tumour):
    folder = tmp_path_factory.mktemp("ecrf")
    text = ODM.format(date=date, tumour=tumour.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")).encode()
    kept = text[: int(len(text) * cut)] if cut < 1 else text
    (folder / "export.xml").write_bytes(kept)
    with Store.init(folder / "node") as store:
        if ingest_only_refuses(store, ingest_ecrf, folder):
            assert kept.rstrip() == text.rstrip(), "a cut export loaded: part of a patient's forms was dropped unsaid"
            loaded_text_is_clean(store)


@FUZZ
@given(cells=st.lists(st.lists(CELL, min_size=7, max_size=7), min_size=1, max_size=4))
def test_wide_exports_with_any_cell_text_load_clean_rows_or_refuse(tmp_path_factory, cells):
    folder = tmp_path_factory.mktemp("wide")
    lines = ['patient_id,Wide ptnr,Year of birth,"Gender, 1=male/2=female",Date IC,"Data can be shared with HMF, 0=no/1=yes",Date biopsy,Biopsy site,Sample tissue']
    for i, (year, sex, ic, shared, date, site, tissue) in enumerate(cells):
        row = [str(i), f"WIDE-01-01-{i:04d}", year, sex, ic, shared, date, site, tissue]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in row))
    (folder / "wide_five_days.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Store.init(folder / "node") as store:
        if ingest_only_refuses(store, ingest_ecrf, folder):
            loaded_text_is_clean(store)


CONSENT_HEADER = "PIF version\tcohort\tinHMF\toutsideEU\tPIF26HMF\tPIF26HMFvalues\tPIF26BUG\tPIF26BUGvalues"


@FUZZ
@given(cells=st.lists(st.lists(CELL, min_size=1, max_size=9), min_size=1, max_size=4),
       answer=st.sampled_from(["ja", "nee", "", "Ja ", "misschien"]), version=st.sampled_from(["1", "2", "", "x"]))
def test_a_consent_file_and_form_answers_of_any_text_load_clean_rows_or_refuse(tmp_path_factory, cells, answer, version):
    """informed_consents.tsv with cells of any text (short rows, extra fields, tabs inside),
    against a form whose version and answer vary."""
    folder = tmp_path_factory.mktemp("consent")
    rows = [CONSENT_HEADER] + ["\t".join(row) for row in cells]
    (folder / "informed_consents.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    odm = ODM.format(date="2020-01-01", tumour="Melanoma").replace(
        '<ItemData ItemOID="FLD.INFORMEDCONSENT.ICDTC" Value="2020-01-01"/>',
        '<ItemData ItemOID="FLD.INFORMEDCONSENT.ICDTC" Value="2020-01-01"/>'
        f'<ItemData ItemOID="FLD.INFORMEDCONSENT.AMCONS" Value="{version}"/>'
        f'<ItemData ItemOID="FLD.INFORMEDCONSENT.PIF26HMF" Value="{answer}"/>')
    (folder / "export.xml").write_text(odm, encoding="utf-8")
    with Store.init(folder / "node") as store:
        if ingest_only_refuses(store, ingest_ecrf, folder):
            loaded_text_is_clean(store)
