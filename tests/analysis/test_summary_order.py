"""A summary's figures do not depend on the order rows arrive in: SQL gives none, and two
server workers answered the same question with means differing in the last bit."""

from __future__ import annotations

import numpy as np

from onconode.analysis.summary import _distribution


def test_a_distribution_is_the_same_to_the_last_bit_whatever_the_row_order() -> None:
    values = np.random.default_rng(7).random(19) * 0.6 + 0.4
    answers = {repr(_distribution(np.random.default_rng(seed).permutation(values), [0, .25, .5, .75, 1.0]))
               for seed in range(50)}
    assert len(answers) == 1
