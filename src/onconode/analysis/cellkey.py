"""The cell-key method (CKM): record keys, cell keys and the perturbation table.

Why a method and not rules: a guard that refuses "small" or "nearly equal" queries is
beaten by trackers (|A∧B| = |A| + |B| − |A∨B|, every term a large, answerable query;
`reference/disclosure-perturbation.md` §1). With CKM every count shown without a licence
carries noise that depends only on *which* units are in the cell, so asking again, or
asking for the same units another way, returns the same figure, and differencing
overlapping answers yields noise instead of the hidden count.

Record keys. Each counted unit (a patient, or a sample where samples are counted) has a
fixed key, uniform on [0, KEY_RANGE): the first 3 bytes of HMAC-SHA256(node secret, id).
Derived, not stored: the store schema does not change, a consent withdrawal needs
nothing (the unit's rows are gone, so is its key's contribution), and the keys of every
freeze are the same. The node secret (32 random bytes) is created once, owner-only
(0600, in a 0700 folder), at `<home>/secrets/record-key`. It must never be regenerated:
a new secret gives every cell new noise, and an attacker holding answers under both
secrets can average them (the averaging attack, ibid. §3). Back it up with the store.

Cell key. The sum of the cell's record keys modulo KEY_RANGE, which is again uniform and
a function of exactly the cell's members. Analyses compute key sums alongside their
counts (`sums`: a bincount weighted by the keys), never a member set per cell.

Perturbation table. Indexed by (count, cell key): the noise for count n is drawn (by
the cell key, as a uniform number) from the maximum-entropy distribution on the whole
numbers in [max(−n, −D), D] with mean 0 and variance V (the design of the R package
ptable, Giessing 2016): bounded by D, zero-mean, never negative, zeros stay zero. A
perturbed value of 1..js (js = min_cell − 1) is then suppressed: the suppression decision
is taken on the perturbed value, so it is itself consistent and key-driven (ibid. §4).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

import numpy as np
from scipy import optimize

KEY_BYTES = 3
KEY_RANGE = 1 << (8 * KEY_BYTES)   # keys below 2^24: a float64 bincount sums up to 2^29 of them exactly
SECRET_FILE = Path("secrets") / "record-key"


def node_secret(home: Path) -> bytes:
    """The node's record-key secret, created owner-only on first use and never again."""
    path = Path(home) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:   # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < 16:
        raise ValueError(f"{path}: not a record-key secret (expected 64 hex digits). Restore it from the node's backup; "
                         "a new secret changes every perturbed figure and weakens the protection")
    return secret


class RecordKeys:
    """Each unit id's fixed record key (an int below KEY_RANGE), kept once computed."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._known: dict[str, int] = {}

    @classmethod
    def for_home(cls, home: Path) -> "RecordKeys":
        return cls(node_secret(home))

    def key(self, unit: str) -> int:
        k = self._known.get(unit)
        if k is None:
            digest = hmac.new(self._secret, str(unit).encode(), hashlib.sha256).digest()
            k = self._known[unit] = int.from_bytes(digest[:KEY_BYTES], "big")
        return k

    def of(self, units: Iterable[str]) -> np.ndarray:
        """The keys of `units`, in their order."""
        return np.fromiter(map(self.key, units), np.int64)

    def cell(self, units: Iterable[str]) -> int:
        """The cell key of a cell holding exactly these units."""
        return int(self.of(units).sum() % KEY_RANGE)


def sums(cells: np.ndarray, keys: np.ndarray, n: int) -> np.ndarray:
    """Per cell 0..n-1, the cell key of the units whose cell is `cells` (one entry per
    unit, with its key in `keys`): counts and cell keys come from the same pass."""
    s = np.bincount(np.asarray(cells, np.int64), weights=np.asarray(keys, float), minlength=n)
    return s.astype(np.int64) % KEY_RANGE


def _max_entropy(support: np.ndarray, variance: float) -> np.ndarray:
    """Probabilities on `support` with mean 0 and the given variance, of maximum entropy
    (p ∝ exp(a·x + b·x²)), found by minimising the convex dual."""
    x = support.astype(float)

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        z = lam[0] * x + lam[1] * x * x
        m = z.max()
        w = np.exp(z - m)
        p = w / w.sum()
        return float(m + np.log(w.sum()) - lam[1] * variance), np.array([p @ x, p @ (x * x) - variance])

    lam = optimize.minimize(dual, np.zeros(2), jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 500}).x
    z = lam[0] * x + lam[1] * x * x
    p = np.exp(z - z.max())
    return p / p.sum()


@dataclass(frozen=True)
class PTable:
    """Noise by (count, cell key): max |noise| `D`, variance `V` (less where the count is
    too small to carry it with zero mean and no negative result)."""
    D: int
    V: float

    @cached_property
    def rows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per count 0..D (counts above D use row D): (noise values, cumulative probabilities)."""
        out = [(np.zeros(1, np.int64), np.ones(1))]
        for n in range(1, self.D + 1):
            support = np.arange(-min(n, self.D), self.D + 1)
            # with mean 0 on [-n, D] the variance cannot exceed n·D (all mass on the two ends)
            p = _max_entropy(support, min(self.V, 0.9 * n * self.D))
            out.append((support, np.cumsum(p)))
        return out

    def noise(self, counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts, np.int64)
        u = np.asarray(cell_keys, np.int64) / KEY_RANGE
        out = np.zeros(counts.shape, np.int64)
        row = np.minimum(counts, self.D)
        for n in range(1, self.D + 1):
            at = row == n
            if at.any():
                values, cum = self.rows[n]
                out[at] = values[np.minimum(np.searchsorted(cum, u[at], side="right"), len(values) - 1)]
        return out

    def perturb(self, counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
        """The published values before small-value suppression (never negative)."""
        counts = np.asarray(counts, np.int64)
        return counts + self.noise(counts, cell_keys)

    def accuracy(self) -> dict[str, float]:
        """For a count above D: the expected absolute error and the share of cells changed."""
        values, cum = self.rows[self.D]
        p = np.diff(np.concatenate([[0.0], cum]))
        return {"expected_absolute_error": float(p @ np.abs(values)), "share_changed": float(1 - p[values == 0].sum()),
                "standard_deviation": float(np.sqrt(p @ values.astype(float) ** 2))}
