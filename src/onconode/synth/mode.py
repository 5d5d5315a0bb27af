"""How a synthetic sample was sequenced: tumour/normal WGS or tumour-only (oncoanalyser
`--mode wgts` without a normal), and whole genome or targeted panel (`--mode targeted`:
panel.py). Tumour-only runs have no normal sample, so no PEACH, normal TEAL or germline
files, and PURPLE writes runMode TUMOR."""

from __future__ import annotations

from dataclasses import dataclass

from onconode.synth.cohort import SampleParams, rng
from onconode.synth.panel import is_targeted

MODE_STREAM = 14
TUMOUR_ONLY_SHARE = 0.08


@dataclass(frozen=True)
class Mode:
    normal_id: str | None          # the run's normal (reference) sample, None when tumour-only
    targeted: bool = False

    @property
    def run_mode(self) -> str:
        return "TUMOR_GERMLINE" if self.normal_id else "TUMOR"


def mode(seed: int, p: SampleParams) -> Mode:
    tumour_only = rng(seed, MODE_STREAM, p.index).random() < TUMOUR_ONLY_SHARE
    return Mode(None if tumour_only else f"{p.sample_id}R", targeted=is_targeted(seed, p))
