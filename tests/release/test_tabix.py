"""The release's VCFs, compressed and indexed by htslib (pysam), answer like htslib's own
tools and do not depend on the thread that wrote them."""

from __future__ import annotations

import gzip
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest

from onconode.release import variant_text


def _records(seed: int) -> list[tuple[str, int, str]]:
    rng = random.Random(seed)
    out = []
    for chrom in ("1", "2", "10", "X"):
        pos = 1
        for _ in range(6000):  # several BGZF blocks per contig
            pos += rng.randint(1, 900)
            out.append((chrom, pos, "A" * rng.choice([1] * 20 + [2, 40, 20_000])))  # some span 16 kb windows
    return out


def _write(folder: Path, records: list[tuple[str, int, str]], name: str = "S1") -> tuple[Path, list[str]]:
    lines = [f"{c}\t{p}\t.\t{r}\tT\t.\tPASS\t.\n" for c, p, r in records]
    sample = variant_text.SampleText(name)
    for a in range(0, len(lines), 5000):  # arrives in batches, like the release's rows
        b = min(a + 5000, len(lines))
        sample.add(memoryview("".join(lines[a:b]).encode()), pa.array([c for c, _, _ in records[a:b]]))
    digests: dict[Path, str] = {}
    variant_text.write_sample(sample, folder, list(variant_text.VCF_CORE), [], "GRCh37", lambda p, d: digests.__setitem__(p, d))
    path = folder / f"{name}.somatic.vcf.gz"
    assert set(digests) == {path, path.with_name(path.name + ".tbi")}
    return path, lines


def test_the_vcf_is_bgzf_that_bgzip_decompresses_to_the_header_and_lines(tmp_path: Path):
    path, lines = _write(tmp_path, _records(4))
    text = subprocess.run(["bgzip", "-dc", str(path)], capture_output=True, check=True).stdout
    assert gzip.decompress(path.read_bytes()) == text
    body = text.decode().split("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n", 1)[1]
    assert body == "".join(lines)
    assert "##contig=<ID=1>\n##contig=<ID=2>\n##contig=<ID=10>\n##contig=<ID=X>\n" in text.decode()


def test_vcf_and_index_bytes_depend_on_the_text_alone_in_any_thread(tmp_path: Path):
    """A rebuilt release must have the same checksums: the build compresses VCFs in worker
    threads between other work, and every file must come out as it does alone."""
    records = [_records(seed)[:3000] for seed in range(6)]
    (tmp_path / "alone").mkdir()
    (tmp_path / "threads").mkdir()
    alone = []
    for i, r in enumerate(records):
        path, _ = _write(tmp_path / "alone", r, f"S{i}")
        alone.append((path.read_bytes(), path.with_name(path.name + ".tbi").read_bytes()))

    def again(i: int) -> tuple[bytes, bytes]:
        path, _ = _write(tmp_path / "threads", records[i], f"S{i}")
        return path.read_bytes(), path.with_name(path.name + ".tbi").read_bytes()

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(again, range(len(records)))) == alone


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


@pytest.mark.parametrize("records", [[("1", 100, "A"), ("1", 50, "A")], [("1", 1, "A"), ("2", 1, "A"), ("1", 5, "A")]],
                         ids=["positions", "contigs"])
def test_unsorted_records_are_refused_like_tabix_refuses_them(tmp_path: Path, records: list[tuple[str, int, str]]):
    with pytest.raises(ValueError, match="not sorted by contig and position"):
        _write(tmp_path, records)


def test_a_vcf_that_cannot_be_written_fails_with_an_error_not_a_crash(tmp_path: Path):
    """htslib's BGZF opener (pysam 0.24) takes the process down on a path it cannot open;
    the server runs release builds in its workers, so the path is opened first."""
    with pytest.raises(OSError):
        _write(tmp_path / "no-such-folder", _records(3)[:10])
