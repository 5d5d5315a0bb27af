"""Synthetic genomes: the same rows however they are generated, consistent across tables,
and a failed generation loads nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from onconode.model.tables import TABLES_BY_NAME
from onconode.store import Store
from onconode.synth import load_cohort, parallel, write_cohort
from onconode.synth.cohort import build
from onconode.synth.genome import sample_tables
from onconode.synth.tumours import HOTSPOTS

GENOMIC = ("somatic_variant", "copy_number_segment", "gene_copy_number", "driver", "structural_variant",
           "sv_breakend", "fusion", "tumor_profile")


def _rows(store: Store, table: str):
    key = ", ".join(f'"{k}"' for k in TABLES_BY_NAME[table].key)
    return store.con.sql(f'SELECT * EXCLUDE (_added, _removed) FROM "{table}" ORDER BY {key}').to_arrow_table()


def test_store_rows_do_not_depend_on_the_number_of_workers(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 400)   # many chunks, so the pool really interleaves
    serial, pooled = Store.init(tmp_path / "serial"), Store.init(tmp_path / "pooled")
    try:
        load_cohort(serial, patients=10, seed=3, median_variants=150, workers=1)
        load_cohort(pooled, patients=10, seed=3, median_variants=150, workers=2)
        for table in GENOMIC:
            assert _rows(serial, table).equals(_rows(pooled, table)), table
    finally:
        serial.close()
        pooled.close()


def _fail(*args, **kwargs):
    raise RuntimeError("generation failed in a worker")


def test_a_failing_worker_loads_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 400)
    monkeypatch.setattr(parallel, "generate", _fail)
    store = Store.init(tmp_path / "node")
    try:
        before = store.current_version
        with pytest.raises(RuntimeError, match="generation failed in a worker"):
            load_cohort(store, patients=6, seed=3, median_variants=150, workers=2)
        assert store.current_version == before
        assert all(n == 0 for n in store.counts().values())
    finally:
        store.close()


def test_a_sample_genome_is_the_same_whatever_the_cohort_size():
    small, large = build(4, 21), build(15, 21)
    for p_small, p_large in zip(small.params, large.params):
        a, b = sample_tables(21, p_small, 300), sample_tables(21, p_large, 300)
        assert all(a[name].equals(b[name]) for name in a)


def test_driver_events_appear_in_variants_copy_number_catalogue_and_fusions():
    cohort = build(60, 8)
    seen = set()
    for p in cohort.params:
        t = sample_tables(8, p, 300)
        variants, gcn, fusions = t["somatic_variant"], t["gene_copy_number"], t["fusion"]
        calls = dict(zip(gcn["gene"].to_pylist(), gcn["cna_call"].to_pylist()))
        catalogue = set(zip(t["driver"]["gene"].to_pylist(), t["driver"]["driver"].to_pylist()))
        reported = variants.filter(variants["reported"])
        for e in p.events:
            seen.add(e.kind)
            if e.kind == "hotspot":
                pos = HOTSPOTS[e.gene][e.hotspot][0]
                hit = reported.filter(pc.and_(pc.equal(reported["gene"], e.gene), pc.equal(reported["position"], pos)))
                assert hit.num_rows == 1 and hit["hotspot"][0].as_py() == "HOTSPOT", (p.sample_id, e)
                assert (e.gene, "MUTATION") in catalogue
            elif e.kind == "truncating":
                assert e.gene in reported["gene"].to_pylist() and (e.gene, "MUTATION") in catalogue
            elif e.kind == "amp":
                assert calls[e.gene] == "AMP" and (e.gene, "AMP") in catalogue
            elif e.kind == "del":
                assert calls[e.gene] == "HOMDEL" and (e.gene, "DEL") in catalogue
            else:
                assert e.gene in fusions["name"].to_pylist()
        # Nothing is reported that is not a driver event, and no copy-number driver is unexplained.
        genes = {e.gene for e in p.events}
        assert set(reported["gene"].to_pylist()) <= genes
        assert {g for g, c in calls.items() if c in ("AMP", "HOMDEL")} <= genes
    assert {"hotspot", "amp", "del"} <= seen


def test_passengers_are_unique_per_position_and_annotated_only_in_coding_genes():
    cohort = build(5, 13)
    for p in cohort.params:
        v = sample_tables(13, p, 2000)["somatic_variant"].to_pydict()
        keys = list(zip(v["chromosome"], v["position"]))
        assert len(set(keys)) == len(keys)
        for i, (gene, effect, coding, hgvs_c, hgvs_p) in enumerate(zip(
                v["gene"], v["canonical_effect"], v["coding_effect"], v["hgvs_coding"], v["hgvs_protein"])):
            if v["reported"][i]:
                continue   # drivers carry their hotspot's own annotation (e.g. a TERT promoter variant)
            if gene is None:
                assert effect is None and coding is None and hgvs_c is None
            elif coding == "NONE":
                assert effect == "intron_variant" and hgvs_c is None and hgvs_p is None
            else:
                assert hgvs_c.startswith("c.")
                assert (hgvs_p is None) == (coding == "SPLICE")
            if v["type"][i] == "SNP":
                assert len(v["ref"][i]) == len(v["alt"][i]) == 1 and v["ref"][i] != v["alt"][i]


def test_linx_driver_catalogue_lists_the_sample_drivers(tmp_path: Path):
    write_cohort(tmp_path, patients=6, seed=5, median_variants=100)
    folders = sorted(p for p in (tmp_path / "hmftools").iterdir() if p.is_dir())   # beside them: the panel definition
    with_drivers = 0
    for folder in folders:
        purple = (folder / "purple" / f"{folder.name}.purple.driver.catalog.somatic.tsv").read_text().splitlines()
        linx = (folder / "linx" / "somatic_annotations" / f"{folder.name}.linx.driver.catalog.tsv").read_text().splitlines()
        assert linx == purple
        with_drivers += len(linx) > 1
    assert with_drivers > 0
