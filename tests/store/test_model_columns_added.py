"""A store written before the model gained columns (WiGiTS 3.0 fields such as the gene copy
number's reportedStatus) gets them when next opened for writing, old rows keeping empty values."""

from __future__ import annotations

from onconode.store import Store


def test_an_older_store_gains_the_columns_a_newer_model_adds(tmp_path):
    store = Store.init(tmp_path)
    store.con.execute('ALTER TABLE "gene_copy_number" DROP COLUMN "reported_status"')
    store.con.execute('ALTER TABLE "sv_breakend" DROP COLUMN "vcf_id"')
    store.close()
    reopened = Store.open(tmp_path)
    columns = {r[0] for r in reopened.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'gene_copy_number'").fetchall()}
    assert "reported_status" in columns
    assert reopened.con.execute('SELECT count("vcf_id") FROM sv_breakend').fetchall() == [(0,)]
