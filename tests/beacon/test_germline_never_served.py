"""The Beacon answers from somatic variants only: a germline variant (identifying, inherited)
is never found by a g_variants, individuals or biosamples query, at any granularity, by
the store path, the lock-free count path or the position index."""

from __future__ import annotations

from pathlib import Path

import pytest

from onconode.beacon import positions, search
from onconode.beacon.request import from_get
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store
from onconode.store.store import StoreSnapshot

FREEZE = "DR-GERMLINE"
SITE = {"referenceName": "13", "start": "32914437", "alternateBases": "TG"}   # BRCA2 c.5946dupG, 0-based start


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small cohort where one sample carries a germline BRCA2 variant no tumour has."""
    from onconode.synth import load_cohort

    home = tmp_path_factory.mktemp("beacon-germline")
    with Store.init(home) as store:
        load_cohort(store, patients=10, seed=3, median_variants=10, workers=1)
        samples = [s for (s,) in store.con.execute("SELECT sample_id FROM sample ORDER BY 1").fetchall()]
        sample = samples[0]
        assert not store.con.execute("SELECT count(*) FROM somatic_variant WHERE gene = 'BRCA2' AND chromosome = '13' "
                                     "AND position = 32914438").fetchone()[0]
        row = {"sample_id": sample, "chromosome": "13", "position": 32914438, "ref": "T", "alt": "TG", "gene": "BRCA2",
               "filter": "PASS", "pathogenicity": "PATHOGENIC", "pathogenic": True}
        with store.transaction("test", "a germline variant") as tx:
            # the only germline row of the cohort (synth's own germline calls are replaced)
            tx.replace("germline_variant", to_arrow(TABLES_BY_NAME["germline_variant"], [row]), owners=samples)
        store.create_freeze(FREEZE, "germline beacon test")
    return home


@pytest.mark.parametrize("params", [SITE, {"geneId": "BRCA2", "aminoacidChange": "S1983fs"},
                                    {"referenceName": "13", "start": "32914000", "end": "32915000"}])
@pytest.mark.parametrize("entry", ["g_variants", "individuals", "biosamples"])
def test_a_germline_only_variant_is_found_by_no_beacon_query(home: Path, params: dict, entry: str):
    with Store.open(home, read_only=True) as store:
        snap = StoreSnapshot(store, store.resolve(FREEZE), FREEZE)
        assert snap.table("germline_variant").count().execute() == 1
        q = from_get(params)
        assert search.counts(search.matches(snap, entry, q)) == {}


def test_the_position_index_holds_no_germline_variant(home: Path):
    _, path, _ = positions.build(home, FREEZE)
    index = positions.PositionIndex(path)
    assert index.counts("13", 32914438, 32914438) == {}
