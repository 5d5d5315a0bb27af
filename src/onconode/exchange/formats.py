"""The export formats by name: each writes the patients it is given into a folder and
records in the report what it wrote and what the target model could not hold."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from onconode.exchange import fhir, mds, phenopackets
from onconode.exchange.omop import write_omop
from onconode.exchange.patients import PatientRecord
from onconode.exchange.report import ExportReport

Writer = Callable[[Iterable[PatientRecord], Path, ExportReport], None]

FORMATS: dict[str, Writer] = {
    "fhir": fhir.write,
    "mds": mds.write,
    "omop": write_omop,
    "phenopackets": phenopackets.write,
}
