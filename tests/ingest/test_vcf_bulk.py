"""The bulk path (C tokenizer): odd-but-valid INFO and FORMAT layouts convert exactly as the careful path does."""

from __future__ import annotations

import threading

import pytest

from onconode.ingest.problems import Problems
from onconode.ingest.vcf.ahead import THREAD_NAME, ahead
from onconode.ingest.vcf.bulk import convert_chunk
from onconode.ingest.vcf.load import open_vcf
from tests.ingest.test_vcf import HEADER, read_rows, write_vcf

TUMOUR = "GT:AD:DP\t0/0:30,0:30\t0/1:40,60:100"


def line(pos: int, info: str, fmt_tumour: str = TUMOUR, filt: str = "PASS") -> str:
    return f"7\t{pos}\t.\tA\tT\t900\t{filt}\t{info}\t{fmt_tumour}\n"


ODD_INFO = [
    "PURPLE_AF;PURPLE_AF=0.3;TIER=PANEL",  # a bare value key comes first: it has no value (first one wins)
    "PURPLE_AF=0.1;PURPLE_AF=0.2",  # a repeated key: the first value
    "PURPLE_AFX=0.9;PURPLE_AF=0.4",  # a key that starts with a wanted key is another key
    "HOTSPOT=1;BIALLELIC=true;TIER=HOTSPOT",  # flags written with a value are still flags
    "IMPACT=BRAF,ENST1,missense_variant,MISSENSE,false,c.1A>T,p.K1N;TIER=.",  # IMPACT cut short, missing TIER
    "IMPACT=,,,,,,,,,;PURPLE_CN=.",  # an empty IMPACT and a missing number
    ".",  # no INFO at all
    "",  # an empty INFO column
    "TIER=ODD;PURPLE_GERMLINE=DIPLOID;SUBCL=1e-3;GND_FREQ=+.5E2",
]


def test_odd_info_layouts_convert_as_the_careful_path_does(tmp_path):
    body = "".join(line(1000 + i, info) for i, info in enumerate(ODD_INFO))
    path = write_vcf(tmp_path / "odd.vcf.gz", body)
    opened = open_vcf(path, None, None, Problems())
    assert convert_chunk(body.encode(), opened.header, opened.tumor, "S1", opened.ref_genome).hard == []  # none left to the careful path
    bulk, slow = read_rows(path, "bulk"), read_rows(path, "careful")
    assert bulk.num_rows == len(ODD_INFO)
    assert bulk.equals(slow)
    values = {r["position"]: r for r in bulk.to_pylist()}
    assert values[1000]["adjusted_vaf"] is None and values[1001]["adjusted_vaf"] == 0.1 and values[1002]["adjusted_vaf"] == 0.4
    assert values[1003]["hotspot"] == "HOTSPOT" and values[1003]["biallelic"] is True
    assert values[1008]["gnomad_frequency"] == 50.0 and values[1008]["tier"] == "UNKNOWN"


def test_odd_format_and_filter_columns_convert_as_the_careful_path_does(tmp_path):
    body = (
        line(2000, "TIER=PANEL", "GT:DP:AD\t0/0:30:30,0\t0/1:100:40,60")  # AD after DP
        + line(2001, "TIER=PANEL", "GT:AD:AD\t0/0:30,0:1,1\t0/1:40,60:1,1")  # AD named twice: careful path
        + line(2002, "TIER=PANEL", "GT:AD:DP\t0/0:30,0:30\t0/1:.:.")  # missing counts
        + line(2003, "TIER=PANEL", "GT\t0/0\t0/1")  # no counts at all
        + line(2004, "TIER=PANEL", filt=".")
        + line(2005, "TIER=PANEL", "GT:AD:DP\t0/0:30,0:30\t0/1:0,0:0")  # no reads: no VAF
    )
    path = write_vcf(tmp_path / "fmt.vcf.gz", body)
    bulk, slow = read_rows(path, "bulk"), read_rows(path, "careful")
    assert bulk.num_rows == 6
    assert bulk.equals(slow)
    rows = {r["position"]: r for r in bulk.to_pylist()}
    assert (rows[2000]["allele_read_count"], rows[2000]["total_read_count"]) == (60, 100)
    assert rows[2004]["filter"] is None and rows[2005]["vaf"] is None


def test_work_runs_ahead_in_order_and_hands_worker_errors_to_the_caller():
    done: list[int] = []

    def items():
        yield from range(5)
        raise ValueError("cut short")

    def work(i: int) -> int:
        done.append(i)
        return i * 10

    got = []
    with pytest.raises(ValueError, match="cut short"):
        for item, result in ahead(items(), work):
            got.append((item, result))
    assert got == [(i, i * 10) for i in range(5)] and done == list(range(5))


def test_stopping_early_stops_the_worker_before_returning():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    stream = ahead(endless(), lambda i: i)
    assert next(stream) == (0, 0)
    stream.close()
    assert not [t for t in threading.enumerate() if t.name == THREAD_NAME]


UNSURE = [
    line(3000, "TIER=PANEL").replace("\n", "\r\n"),  # a Windows line end
    line(3001, "TIER=PANEL;PURPLE_GERMLINE=DIPLOÏD"),  # non-ASCII text
    line(3002, "TIER=PANEL;PURPLE_AF=1e999"),  # a number beyond a double
    line(3003, "TIER=PANEL;PURPLE_AF=0.1").replace("7\t3003", "7\t0003003"),  # leading zeros
    line(3005, "TIER=PANEL", "GT:AD:DP\t0/0:30,0:30\t0/1:40,60:1000000000000000000"),  # a 19-digit depth
    line(3006, "TIER=PAN%3BEL"),  # percent-encoding
]


def test_lines_the_tokenizer_is_unsure_about_go_the_careful_way_and_end_up_the_same(tmp_path):
    body = "".join(UNSURE)
    path = write_vcf(tmp_path / "unsure.vcf.gz", body)
    opened = open_vcf(path, None, None, Problems())
    hard = convert_chunk(body.encode(), opened.header, opened.tumor, "S1", opened.ref_genome).hard
    assert hard == [0, 1, 2, 4, 5]  # leading zeros in POS are a plain count: the tokenizer keeps that line
    assert read_rows(path, "bulk").equals(read_rows(path, "careful"))


def test_an_empty_line_inside_a_chunk_goes_the_careful_way_and_the_lines_around_it_keep_their_numbers(tmp_path):
    body = line(4000, "TIER=PANEL") + "\n" + line(4001, "TIER=PANEL")
    opened = open_vcf(write_vcf(tmp_path / "e.vcf.gz", line(4000, "TIER=PANEL")), None, None, Problems())
    result = convert_chunk(body.encode(), opened.header, opened.tumor, "S1", opened.ref_genome)
    assert result.table.column("position").to_pylist() == [4000, 4001] and result.hard == [1]
