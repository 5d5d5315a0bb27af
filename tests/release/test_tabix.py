"""The in-process BGZF writer and tabix index answer like htslib's own tools."""

from __future__ import annotations

import gzip
import random
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from onconode.release import bgzf, tabix, variant_text


def _records(seed: int) -> list[tuple[str, int, str]]:
    rng = random.Random(seed)
    out = []
    for chrom in ("1", "2", "10", "X"):
        pos = 1
        for _ in range(6000):  # several BGZF blocks per contig
            pos += rng.randint(1, 900)
            out.append((chrom, pos, "A" * rng.choice([1] * 20 + [2, 40, 20_000])))  # some span 16 kb windows
    return out


def _write(folder: Path, records: list[tuple[str, int, str]]) -> tuple[Path, list[str]]:
    lines = [f"{c}\t{p}\t.\t{r}\tT\t.\tPASS\t.\n" for c, p, r in records]
    sample = variant_text.SampleText("S1")
    for a in range(0, len(lines), 5000):  # arrives in batches, like the release's rows
        b = min(a + 5000, len(lines))
        text = "".join(lines[a:b]).encode()
        starts = np.concatenate(([0], np.cumsum([len(line) for line in lines[a:b - 1]]))).astype(np.int64)
        sample.add(memoryview(text), starts, pa.array([c for c, _, _ in records[a:b]]),
                   np.array([p for _, p, _ in records[a:b]], dtype=np.int64),
                   np.array([len(r) for _, _, r in records[a:b]], dtype=np.int64))
    digests: dict[Path, str] = {}
    variant_text.write_sample(sample, folder, list(variant_text.VCF_CORE), [], "GRCh37", lambda p, d: digests.__setitem__(p, d))
    path = folder / "S1.somatic.vcf.gz"
    assert set(digests) == {path, path.with_name(path.name + ".tbi")}
    return path, lines


def test_bgzf_output_is_gzip_that_bgzip_decompresses(tmp_path: Path):
    data = bytes(random.Random(3).getrandbits(8) for _ in range(70_000)) + b"ACGT\n" * 40_000
    compressed, offsets = bgzf.compress(data)
    assert gzip.decompress(compressed) == data
    (tmp_path / "x.gz").write_bytes(compressed)
    assert subprocess.run(["bgzip", "-dc", str(tmp_path / "x.gz")], capture_output=True, check=True).stdout == data
    assert len(offsets) == -(-len(data) // bgzf.BLOCK) + 1 and compressed.endswith(bgzf.EOF)


def test_bgzf_bytes_depend_on_the_text_alone_in_any_thread(tmp_path: Path):
    """A rebuilt release must have the same checksums: the build compresses VCFs in worker
    threads between other work, and every block must come out as it does alone."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(5)
    texts = ["".join(f"{rng.randint(1, 22)}\t{rng.randint(1, 10**8)}\t.\tA\tC\t.\tPASS\tAF={rng.random():.3f}\n"
                     for _ in range(rng.randint(2_000, 9_000))).encode() for _ in range(24)]
    alone = [bgzf.compress(t)[0] for t in texts]

    def churned(t: bytes) -> bytes:
        _ = [bytearray(rng.randbytes(200_000)) for _ in range(3)]  # other work between blocks
        return bgzf.compress(t)[0]

    for _ in range(5):
        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(churned, texts)) == alone


def test_region_queries_on_the_index_match_a_scan_and_tabix_own_index(tmp_path: Path):
    records = _records(1)
    path, lines = _write(tmp_path, records)
    reference = tmp_path / "ref.vcf.gz"
    reference.write_bytes(path.read_bytes())
    subprocess.run(["tabix", "-f", "-p", "vcf", str(reference)], check=True)
    assert subprocess.run(["tabix", "-l", str(path)], capture_output=True, text=True, check=True).stdout.split() == ["1", "2", "10", "X"]
    rng = random.Random(2)
    for _ in range(60):
        chrom, beg = rng.choice(["1", "2", "10", "X"]), rng.randint(1, 5_000_000)
        end = beg + rng.choice([1, 500, 30_000, 400_000])
        got = subprocess.run(["tabix", str(path), f"{chrom}:{beg}-{end}"], capture_output=True, text=True, check=True).stdout
        expected = "".join(line for (c, p, r), line in zip(records, lines) if c == chrom and p <= end and p + len(r) - 1 >= beg)
        assert got == expected
        assert got == subprocess.run(["tabix", str(reference), f"{chrom}:{beg}-{end}"], capture_output=True, text=True, check=True).stdout


def test_unsorted_records_are_refused_like_tabix_refuses_them():
    with pytest.raises(ValueError, match="not sorted"):
        tabix.build(["1"], np.array([0, 0]), np.array([100, 50]), np.array([1, 1]), np.array([0, 10]), 20, [0, 30])
    with pytest.raises(ValueError, match="not sorted"):
        tabix.build(["1", "2"], np.array([0, 1, 0]), np.array([1, 2, 3]), np.array([1, 1, 1]), np.array([0, 10, 20]), 30, [0, 30])
