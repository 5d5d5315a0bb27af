"""Hypothesis fuzzing of the VCF tokenizer (onconode.ingest.vcf._scan, the one C extension
left) built with AddressSanitizer and UndefinedBehaviorSanitizer: `scripts/sanitize`
builds it into a temporary folder and runs this file under the sanitizers' runtime
(a memory error or undefined behaviour aborts the process, and the run fails).

Not a pytest module (its name does not start with test_): the sanitized process runs it
as a plain program, and tests/ingest/test_vcf_scan_sanitized.py runs `scripts/sanitize`.

What it asks of the scanner, for VCF-like chunks (records with random, truncated,
oversized, non-ASCII and malformed fields, then bytes inserted, deleted and cut) and for
random bytes: never to crash, to return Arrow buffers whose sizes agree with the row
count, and to account for every line (a row or a "hard" line). For bad arguments: a
clean Python error (TypeError, ValueError, OverflowError), never a crash.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ONCONODE_FUZZ_EXAMPLES", "1500"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)

# what the bulk path passes (ingest/vcf/bulk.py): a tumour-normal VCF, PURPLE-like INFO
N_FIELDS, TUMOR = 11, 10
CONTIGS = tuple((c.encode(), n) for c, n in (("1", 249_250_621), ("2", 243_199_373), ("X", 155_270_560), ("MT", 16_569)))
STRINGS = (b"TIER", b"GERMLINE_STATUS", b"LPS", b"SUBCL_TYPE")
NUMBERS = (b"PURPLE_AF", b"PURPLE_CN", b"PURPLE_VCN", b"PURPLE_MACN", b"SUBCL", b"GND_FREQ")
FLAGS = (b"BIALLELIC", b"HOTSPOT", b"NEAR_HOTSPOT", b"REPORTED")
PART_KEY, PART_INDEX = b"IMPACT", (0, 1, 2, 3, 5, 6, 8)


def _load(path: str):
    spec = importlib.util.spec_from_file_location("_scan", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


scan = _load(os.environ["ONCONODE_SANITIZED_SCAN"]).scan

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).map(str.encode)
tricky = st.sampled_from([b"", b".", b"%3B", b"%", b"\r", b"\xff\xfe", b"=", b";", b",", b":", b"-1", b"1e309", b"nan",
                          b"9" * 25, b"A" * 300, b"\t", b"0/1", b"1,2,3"])
piece = st.one_of(text, tricky, st.binary(max_size=8))
number = st.one_of(st.integers(-10, 10**20).map(lambda i: str(i).encode()),
                   st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).encode()), piece)
allele = st.one_of(st.text(alphabet="ACGTN", min_size=1, max_size=6).map(str.encode), piece)
info_item = st.one_of(
    st.tuples(st.sampled_from(STRINGS), piece).map(lambda kv: kv[0] + b"=" + kv[1]),
    st.tuples(st.sampled_from(NUMBERS), number).map(lambda kv: kv[0] + b"=" + kv[1]),
    st.sampled_from(FLAGS),
    st.lists(piece, max_size=12).map(lambda parts: PART_KEY + b"=" + b"|".join(parts)),
    piece,
)
info = st.lists(info_item, max_size=10).map(lambda items: b";".join(items) or b".")
format_keys = st.lists(st.sampled_from([b"GT", b"AD", b"DP", b"AF", b"XX"]) | piece, min_size=1, max_size=5)


@st.composite
def record(draw) -> bytes:
    keys = draw(format_keys)
    samples = [b":".join(draw(st.lists(number, min_size=len(keys), max_size=len(keys)))) for _ in range(2)]
    fields = [draw(st.sampled_from([c for c, _ in CONTIGS]) | piece), draw(number), b".", draw(allele), draw(allele),
              draw(number), draw(st.sampled_from([b"PASS", b"."]) | piece), draw(info), b":".join(keys), *samples]
    cut = draw(st.integers(0, 2))   # now and then a field too few or too many
    if cut == 1:
        fields = fields[:draw(st.integers(0, len(fields) - 1))]
    elif cut == 2:
        fields += draw(st.lists(piece, min_size=1, max_size=3))
    return b"\t".join(fields)


@st.composite
def chunk(draw) -> bytes:
    data = b"\n".join(draw(st.lists(record(), max_size=12)))
    if draw(st.booleans()):
        data += b"\n"
    for _ in range(draw(st.integers(0, 3))):   # bytes inserted, deleted, the chunk cut
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "cut"]))
        if op == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 20)):]
        else:
            data = data[:at]
    return data


def _check(got: dict, data: bytes) -> None:
    rows = got["rows"]
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    assert 0 <= rows <= lines, (rows, lines)
    assert all(0 <= h < max(lines, 1) for h in got["hard"]), got["hard"][:5]
    for name in ("chromosome", "ref", "alt", "filter"):
        valid, offsets, values = got[name]
        assert len(offsets) == 4 * (rows + 1)
        assert int.from_bytes(offsets[-4:], "little") == len(values)
        assert valid is None or len(valid) >= (rows + 7) // 8
    for name in ("position",):
        assert len(got[name][1]) == 8 * rows


@SETTINGS
@given(chunk())
def fuzz_records(data: bytes) -> None:
    _check(scan(data, N_FIELDS, TUMOR, CONTIGS, STRINGS, NUMBERS, FLAGS, PART_KEY, PART_INDEX), data)


@SETTINGS
@given(st.binary(max_size=2000))
def fuzz_bytes(data: bytes) -> None:
    _check(scan(data, N_FIELDS, TUMOR, CONTIGS, STRINGS, NUMBERS, FLAGS, PART_KEY, PART_INDEX), data)


BAD = st.one_of(
    st.tuples(st.integers(-2**70, 2**70), st.integers(-2**70, 2**70)).map(lambda t: {"n_fields": t[0], "tumor": t[1]}),
    st.lists(st.tuples(piece, st.integers(-2**70, 2**70)), max_size=4).map(lambda c: {"contigs": tuple(c)}),
    st.sampled_from([{"contigs": None}, {"contigs": ((b"1",),)}, {"contigs": (("1", 5),)}, {"contigs": 5}]),
    st.lists(piece, max_size=40).map(lambda keys: {"strings": tuple(keys)}),
    st.lists(piece, max_size=40).map(lambda keys: {"numbers": keys}),
    st.sampled_from([{"flags": ("BIALLELIC",)}, {"flags": None}, {"strings": [1, 2]}, {"data": "text, not bytes"},
                     {"part_key": None}, {"part_index": None}, {"part_index": ("0",)}]),
    st.lists(st.integers(-2**70, 2**70), max_size=20).map(lambda idx: {"part_index": tuple(idx)}),
)


@SETTINGS
@given(BAD, chunk())
def fuzz_arguments(bad: dict, data: bytes) -> None:
    args = {"data": data, "n_fields": N_FIELDS, "tumor": TUMOR, "contigs": CONTIGS, "strings": STRINGS,
            "numbers": NUMBERS, "flags": FLAGS, "part_key": PART_KEY, "part_index": PART_INDEX, **bad}
    try:
        got = scan(**args)
    except (TypeError, ValueError, OverflowError) as e:
        assert str(e), "an error without a message"
        return
    _check(got, args["data"])


if __name__ == "__main__":
    for fuzz in (fuzz_records, fuzz_bytes, fuzz_arguments):
        fuzz()
        print(f"{fuzz.__name__}: {EXAMPLES} examples, no crash", flush=True)
    sys.exit(0)
