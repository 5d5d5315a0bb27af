"""What counts as an amplification, a deep deletion, a gain or a loss: one definition of
the copy-number thresholds, which PURPLE's driver rules set and every reader of the
model's copy numbers (ingest's discrete calls, the Beacon's copy-number variants) uses.

- deep (homozygous) deletion: copy number below 0.5 (PURPLE's HOMDEL driver rule);
- amplification: copy number above 3 × the sample's ploidy (PURPLE's AMP driver rule);
- otherwise, relative to the ploidy, the half-way points between the copy states of a
  diploid genome: below 0.75 (1.5 of 2 copies) a loss, above 1.25 (2.5 of 2) a gain.
"""

from __future__ import annotations

DEEP_DELETION_BELOW = 0.5   # absolute copy number
AMPLIFICATION_PLOIDY_FACTOR = 3.0   # copy number > factor × ploidy
LOSS_RELATIVE_BELOW = 0.75  # copy number / ploidy
GAIN_RELATIVE_ABOVE = 1.25  # copy number / ploidy


def call(copy_number: float | None, ploidy: float | None) -> str | None:
    """HOMDEL, AMP, HETLOSS, GAIN or DIPLOID for a copy number in a sample of `ploidy`;
    without a ploidy only HOMDEL can be called (None otherwise)."""
    if copy_number is None:
        return None
    if copy_number < DEEP_DELETION_BELOW:
        return "HOMDEL"
    if not ploidy:
        return None
    if copy_number > AMPLIFICATION_PLOIDY_FACTOR * ploidy:
        return "AMP"
    relative = copy_number / ploidy
    if relative < LOSS_RELATIVE_BELOW:
        return "HETLOSS"
    if relative > GAIN_RELATIVE_ABOVE:
        return "GAIN"
    return "DIPLOID"
