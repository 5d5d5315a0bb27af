"""Validate documents against the official Beacon v2 JSON schemas, offline.

The schemas (framework v2.1.1 + default model + VRS 1.3) are read from a local copy of the
spec (the shared fixtures folder, or any checkout of ga4gh-beacon/beacon-v2 with the VRS
schema beside it). `$ref`s are resolved locally (reference/beacon.md §2): relative refs by
file layout, `raw.githubusercontent.com/.../beacon-v2/main/` to the folder, and the VRS
w3id URL to `external/ga4gh-vrs-1.3.0/schema/vrs.json` (draft-07).
"""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

GITHUB = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
VRS = "https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json"
RESPONSES = {"boolean": "beaconBooleanResponse", "count": "beaconCountResponse", "record": "beaconResultsetsResponse",
             "collections": "beaconCollectionsResponse", "error": "beaconErrorResponse", "info": "beaconInfoResponse",
             "configuration": "beaconConfigurationResponse", "map": "beaconMapResponse",
             "entry_types": "beaconEntryTypesResponse", "filtering_terms": "beaconFilteringTermsResponse",
             "service-info": "ga4gh-service-info-1-0-0-schema"}
MODEL_FOLDERS = {"individual": "individuals", "biosample": "biosamples", "genomicVariant": "genomicVariations",
                 "analysis": "analyses", "run": "runs", "dataset": "datasets", "cohort": "cohorts"}


class SchemaSet:
    """The Beacon v2 schemas of one spec folder, with a local `$ref` registry."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not (self.root / "framework" / "json").is_dir():
            raise FileNotFoundError(f"{root} has no framework/json: point it at a copy of the Beacon v2 spec (e.g. the shared fixtures' beacon-v2)")

    def _retrieve(self, uri: str) -> Resource:
        if uri.startswith(VRS):
            return Resource.from_contents(json.loads((self.root / "external/ga4gh-vrs-1.3.0/schema/vrs.json").read_text()), DRAFT7)
        path = self.root / uri[len(GITHUB):] if uri.startswith(GITHUB) else Path(uri.removeprefix("file://"))
        if not path.exists() and path.parent.name == "common":
            # Upstream v2.1.1 bug: the datasets/cohorts schemas point at the model's
            # ../common/info.json, which lives in the framework's common folder.
            path = self.root / "framework/json/common" / path.name
        return Resource.from_contents(json.loads(path.read_text()), DRAFT202012)

    @cached_property
    def registry(self) -> Registry:
        return Registry(retrieve=self._retrieve)  # type: ignore[call-arg]

    @lru_cache(maxsize=64)
    def _validator(self, path: Path) -> Draft202012Validator:
        schema = json.loads(path.read_text())
        schema["$id"] = path.resolve().as_uri()
        return Draft202012Validator(schema, registry=self.registry)

    def errors(self, kind: str, document: Any) -> list[str]:
        """Problems of a response document of `kind` (a key of RESPONSES); [] when valid."""
        v = self._validator(self.root / "framework/json/responses" / f"{RESPONSES[kind]}.json")
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in v.iter_errors(document)]

    def record_errors(self, entry_type: str, record: Any) -> list[str]:
        """Problems of one entity record against its default-model schema."""
        v = self._validator(self.root / "models/json/beacon-v2-default-model" / MODEL_FOLDERS[entry_type] / "defaultSchema.json")
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in v.iter_errors(record)]


__all__ = ["SchemaSet", "Draft7Validator"]
