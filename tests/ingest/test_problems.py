"""The problem collector: every error stays visible, whatever the warnings do."""

from __future__ import annotations

import pytest

from onconode.ingest.problems import IngestError, Problems


def test_a_flood_of_warnings_never_hides_an_error():
    problems = Problems(cap=3)
    for i in range(10):
        problems.warning("drugs.tsv", i + 2, "drugs", "unmapped drug")
    problems.error("drugs.tsv", 20, "start_date", "not a date")
    assert len(problems.warnings) == 3 and problems.warnings_dropped == 7
    with pytest.raises(IngestError, match="drugs.tsv:20: column start_date: error: not a date"):
        problems.raise_if_errors()


def test_errors_beyond_the_cap_are_counted_and_still_fail_the_ingest():
    problems = Problems(cap=2)
    for i in range(5):
        problems.error("f.tsv", i, None, "bad")
    assert problems.full and len(problems.errors) == 2 and problems.dropped == 3
    with pytest.raises(IngestError) as info:
        problems.raise_if_errors()
    assert "5 problem(s)" in str(info.value) and "3 more problem(s) not shown" in str(info.value)


def test_warnings_alone_do_not_fail_the_ingest():
    problems = Problems()
    problems.warning("f.tsv", 1, "x", "odd")
    problems.raise_if_errors()
