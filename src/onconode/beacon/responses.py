"""Beacon v2 response envelopes: boolean, count, resultsets, collections and error.

Count precision is carried the way upstream develop (PRs #220/#223) does, as
`countPrecision`/`countAdjustedTo` in `responseSummary` and in each result set; the
v2.1.1 schemas allow the extra properties, so older clients still validate.
"""

from __future__ import annotations

from typing import Any

from onconode.beacon.info import BeaconInfo
from onconode.beacon.request import API_VERSION, BeaconQuery

SCHEMA_IDS = {"individual": "ga4gh-beacon-individual-v2.1.1", "biosample": "ga4gh-beacon-biosample-v2.1.1",
              "genomicVariant": "ga4gh-beacon-variant-v2.1.1", "analysis": "ga4gh-beacon-analysis-v2.1.1",
              "run": "ga4gh-beacon-run-v2.1.1", "dataset": "ga4gh-beacon-dataset-v2.1.1", "cohort": "ga4gh-beacon-cohort-v2.1.1"}


def meta(b: BeaconInfo, q: BeaconQuery, entry_type: str | None, granularity: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "beaconId": b.id, "apiVersion": API_VERSION,
        "returnedSchemas": [{"entityType": entry_type, "schema": SCHEMA_IDS[entry_type]}] if entry_type else [],
        "returnedGranularity": granularity, "receivedRequestSummary": q.summary()}
    if q.test_mode:
        out["testMode"] = True
    return out


def boolean(b: BeaconInfo, q: BeaconQuery, entry_type: str, exists: bool, info: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta(b, q, entry_type, "boolean"), "responseSummary": {"exists": exists}, "info": info}


def count(b: BeaconInfo, q: BeaconQuery, entry_type: str, total: int, precision: str, info: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta(b, q, entry_type, "count"),
            "responseSummary": {"exists": total > 0, "numTotalResults": total, "countPrecision": precision},
            "info": info}


def resultsets(b: BeaconInfo, q: BeaconQuery, entry_type: str, sets: list[dict[str, Any]], total: int, precision: str,
               info: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta(b, q, entry_type, "record"),
            "responseSummary": {"exists": total > 0, "numTotalResults": total, "countPrecision": precision},
            "response": {"resultSets": sets}, "info": info}


def collections(b: BeaconInfo, q: BeaconQuery, entry_type: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"meta": meta(b, q, entry_type, "record"),
            "responseSummary": {"exists": bool(items), "numTotalResults": len(items)},
            "response": {"collections": items}}


def error(b: BeaconInfo, q: BeaconQuery, code: int, message: str) -> dict[str, Any]:
    return {"meta": meta(b, q, None, q.granularity), "error": {"errorCode": code, "errorMessage": message}}


def handover(url: str, note: str) -> dict[str, Any]:
    """A link out of the Beacon, e.g. to apply for access to a dataset."""
    return {"handoverType": {"id": "NCIT:C189151", "label": "Study data access request"}, "url": url, "note": note}
