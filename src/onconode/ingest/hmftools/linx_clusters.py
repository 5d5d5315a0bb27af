"""LINX's clusters, chained links and cluster drivers, and fusion junction copy numbers.

LINX 2.3 dropped `junctionCopyNumber` from fusion.tsv. LINX computed it as the mean of
its two breakends' junction copy numbers (`LinxFusion.fusionJcn`), each breakend's being
its SV's (the mean of svs.tsv junctionCopyNumberMin/Max), so the same value is rebuilt
from the breakend and SV files of the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.layouts import LAYOUTS, read_rows, unique
from onconode.ingest.problems import Problems
from onconode.model import Table
from onconode.model.tables import SV_CLUSTER, SV_DRIVER, SV_LINK

Row = dict[str, Any]


def _read(path: Path, problems: Problems, table: Table, kind: str, ref_genome: str | None = None) -> list[Row]:
    """A LINX file whose columns map one to one onto `table` (layouts.LAYOUTS[kind])."""
    return unique(path, problems, table, read_rows(path, problems, table, LAYOUTS[kind], ref_genome)[1])


def read_sv_drivers(path: Path, problems: Problems) -> list[Row]:
    return _read(path, problems, SV_DRIVER, "linx_drivers")


def read_clusters(path: Path, problems: Problems) -> list[Row]:
    return _read(path, problems, SV_CLUSTER, "linx_clusters")


def read_links(path: Path, problems: Problems, ref_genome: str | None) -> list[Row]:
    return _read(path, problems, SV_LINK, "linx_links", ref_genome)


def sv_junction_copy_number(sv: Row) -> float | None:
    """An SV's junction copy number as LINX uses it: the middle of its min/max estimate, else PURPLE's."""
    lo, hi = sv.get("junction_copy_number_min"), sv.get("junction_copy_number_max")
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    return sv.get("junction_copy_number")


def rebuild_fusion_junction_copy_numbers(fusions: list[Row], breakends: list[Row], svs: list[Row]) -> int:
    """Fill each fusion's missing junction copy number from its breakends' SVs; returns how many were filled.

    A fusion whose breakend or SV is not in the run's files keeps an empty value.
    """
    sv_of_breakend = {b["breakend_id"]: b.get("sv_id") for b in breakends if b.get("breakend_id") is not None}
    jcn_of_sv = {str(s["sv_id"]): sv_junction_copy_number(s) for s in svs if s.get("sv_id") is not None}
    filled = 0
    for fusion in fusions:
        if fusion.get("junction_copy_number") is not None:
            continue
        ends = [jcn_of_sv.get(str(sv_of_breakend.get(fusion.get(k))))
                for k in ("five_prime_breakend_id", "three_prime_breakend_id")]
        if all(v is not None for v in ends):
            fusion["junction_copy_number"] = round((ends[0] + ends[1]) / 2, 4)
            filled += 1
    return filled
