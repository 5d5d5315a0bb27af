"""Synthetic cohorts: realistic, reproducible, with planted biomarker effects (docs/synthetic-cohort.md)."""

from onconode.synth.loader import load_cohort
from onconode.synth.writers import write_cohort

__all__ = ["load_cohort", "write_cohort"]
