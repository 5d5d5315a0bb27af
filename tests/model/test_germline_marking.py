"""Tables of the inherited genome are marked germline once, in the model, and every
consumer (dictionary, data items) reads that mark."""

from onconode.access.items import DataItem, minimisation_review
from onconode.model.dictionary import data_dictionary_json, data_dictionary_markdown
from onconode.model.tables import GERMLINE_TABLES, is_germline


def test_germline_tables_are_marked_in_the_model_and_the_dictionary():
    assert set(GERMLINE_TABLES) == {"germline_variant", "pharmacogenomic_haplotype", "germline_amp_del",
                                    "germline_sv_breakend", "germline_structural_variant"}
    assert not is_germline("somatic_variant") and not is_germline("hla_allele")
    marked = {t["name"] for t in data_dictionary_json()["tables"] if t["germline"]}
    assert marked == set(GERMLINE_TABLES)
    text = data_dictionary_markdown()
    section = text[text.index("## `germline_variant`"):]
    assert "**Germline:**" in section.split("## `", 2)[1]
    review = minimisation_review([DataItem("pharmacogenomic_haplotype", ("sample_id", "gene"), "x" * 30)])
    assert review[0]["germline"] is True
