"""How an export format declares, once, its mapping from the model to its target model
and which of the target's required content it fills from which model column. The docs'
mapping tables and `onconode quality`'s coverage are read from these declarations
(exchange.coverage), so neither can drift from what the writer does.

A format module declares, beside its writer (registered in `exchange.formats.FORMATS`):

    MAPPING: tuple[Mapping, ...]    # model table.column -> target element, code system
    REQUIRED: tuple[Required, ...]  # the target's required content, as model columns
"""

from __future__ import annotations

from dataclasses import dataclass

from onconode.model import TABLES_BY_NAME


@dataclass(frozen=True)
class Mapping:
    """One model column (`table.column`) written into one element of the target model."""

    source: str
    target: str
    system: str = ""
    note: str = ""


@dataclass(frozen=True)
class Required:
    """Content the target model requires, filled from one model column: its coverage is the
    share of the table's rows in which the column has a value (e.g. "persons have a year
    of birth" from `patient.birth_year`)."""

    what: str
    source: str
    among: str = ""  # a boolean column of the same table: only its true rows count (e.g. "reported")


def split(source: str) -> tuple[str, str]:
    """('patient', 'birth_year') from 'patient.birth_year'; refuses a column the model lacks."""
    table, _, column = source.partition(".")
    if table not in TABLES_BY_NAME or column not in TABLES_BY_NAME[table].column_names:
        raise ValueError(f"{source!r} is not a column of the model (see docs/data-dictionary.md)")
    return table, column



# What a format that interprets a case reads (exchange.run narrows to it and counts the rest):
# the clinical tables, tumour profiles and the reported (driver catalogue) small variants.
CLINICAL_AND_REPORTED_VARIANTS = {"dataset": "", "patient": "", "sample": "", "tumor_profile": "", "somatic_variant": "reported",
                                  "treatment": "", "treatment_drug": "", "treatment_response": ""}
