"""The release's VCF writer: INFO values percent-encoded exactly where VCF 4.3 requires it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa

from onconode.model import TABLES_BY_NAME
from onconode.release.writers import write_vcfs
from onconode.store import Store


def test_info_values_with_reserved_characters_are_percent_encoded_and_others_left_as_they_are(tmp_path: Path):
    columns = ["sample_id", "chromosome", "position", "ref", "alt", "gene", "hgvs_protein", "vaf"]
    rows = pa.table({
        "sample_id": ["S1", "S1"], "chromosome": ["1", "2"], "position": pa.array([10, 20], pa.int64()),
        "ref": ["A", "C"], "alt": ["T", "G"], "gene": ["A B;C=D,E%F\tG", "TP53"],
        "hgvs_protein": ["p.V600E", None], "vaf": [0.5, 0.25],
    })
    assert all(c in TABLES_BY_NAME["somatic_variant"].column_names for c in columns)
    with Store.init(tmp_path / "store") as store:
        store.con.register("rows", rows)
        counts = write_vcfs(store, "SELECT * FROM rows", columns, tmp_path / "out", {"S1": "GRCh37"})
    assert counts == {"S1.somatic.vcf.gz": 2}
    body = [line for line in gzip.decompress((tmp_path / "out" / "S1.somatic.vcf.gz").read_bytes()).decode().splitlines()
            if not line.startswith("#")]
    assert body == [
        "1\t10\t.\tA\tT\t.\t.\tGENE=A%20B%3BC%3DD%2CE%25F%09G;HGVS_PROTEIN=p.V600E;VAF=0.5",
        "2\t20\t.\tC\tG\t.\t.\tGENE=TP53;VAF=0.25",
    ]
