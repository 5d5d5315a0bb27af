"""Cox proportional hazards with Efron ties and delayed entry, fitted in C (`_coxph.c`).

lifelines fits a model with entry times through its time-varying fitter, which loops over
event times in Python: 4.5 s of a 4.6 s survival question at 5,000 patients. This is the
same partial likelihood (Efron's approximation for tied deaths, risk sets entry < t ≤
exit) and the same Newton–Raphson with step halving from β = 0, and the same
Grambsch–Therneau test of proportional hazards on scaled Schoenfeld residuals (rank
time transform). The whole fit is one C call without the GIL: the preparation, each
evaluation (one pass over the patients and the event times), the solves, the variance
and the test's statistic; in NumPy the calls around five evaluations cost more than the
evaluations. It runs in a thread of its own, so a survival question computes its curves
meanwhile (`start`). Tests hold it to lifelines and statsmodels' PHReg to 1e-6, and to the
definition (a boolean risk set per death time) to 1e-9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special   # chdtrc: what stats.chi2.sf computes, without its ~0.2 ms of argument handling

from onconode.analysis import _coxph
from onconode.analysis.risk_sets import Orders, stable_order


class CoxError(ValueError):
    """The model cannot be estimated on these data (no events, singular, diverging)."""


WHAT_WENT_WRONG = {   # _coxph.c's status codes
    1: "covariates and times must be finite (drop patients with missing values first)",
    2: "no events among patients at risk",
    3: "the information matrix is singular (a covariate is constant or collinear)",
    4: "the partial likelihood diverged",
    5: "Newton–Raphson did not converge in {max_iter} iterations (complete separation?)",
    6: "the information matrix is not positive definite",
    7: "not enough memory for the fit",
}


@dataclass
class CoxFit:
    params: np.ndarray
    variance: np.ndarray
    loglik: float
    iterations: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance))

    @property
    def p(self) -> np.ndarray:
        return special.chdtrc(1, (self.params / self.se) ** 2)


class PendingFit:
    """A fit running in its own thread (`_coxph.start`; it never takes the GIL). `result`
    waits for it, so the caller can compute something else meanwhile."""

    def __init__(self, job: object, beta: np.ndarray, variance: np.ndarray, stat: np.ndarray, max_iter: int) -> None:
        self._job, self._out, self._max_iter = job, (beta, variance, stat), max_iter

    def result(self) -> tuple[CoxFit, np.ndarray]:
        """The fit and the proportional-hazards test's p per covariate; CoxError if the
        model cannot be estimated."""
        status, loglik, iterations = self._job.result()  # type: ignore[attr-defined]
        if status:
            raise CoxError(WHAT_WENT_WRONG[status].format(max_iter=self._max_iter))
        beta, variance, stat = self._out
        return CoxFit(beta, variance, loglik, iterations), special.chdtrc(1, stat)


def start(X: np.ndarray, time: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None,
          tol: float = 1e-10, max_iter: int = 100, orders: Orders | None = None) -> PendingFit:
    """Start the maximum partial likelihood fit (Newton–Raphson until the largest step is
    below `tol`) and the proportional-hazards test at the estimate. Covariates are
    centred first (β is unchanged; the risk-set sums keep their precision). `orders`:
    the patients' (stable) orders by entry and time, when the caller has them. The fit
    reads the arrays while it runs: leave them unchanged until `result`."""
    X = np.ascontiguousarray(X, float)
    time, event = np.ascontiguousarray(time, float), np.ascontiguousarray(event, np.int64)
    entry = np.full(len(time), -np.inf) if entry is None else np.ascontiguousarray(entry, float)
    if X.ndim != 2 or X.shape[0] != len(time) or len(event) != len(time) or len(entry) != len(time):
        raise CoxError("covariates, times, events and entries need one row per patient")
    if len(time) == 0:
        raise CoxError(WHAT_WENT_WRONG[2])
    p = X.shape[1]
    beta, variance, stat = np.empty(p), np.empty((p, p)), np.empty(p)
    if orders is None:   # without entries, all enter at -inf: any order is theirs
        orders = Orders(np.arange(len(time)), stable_order(time)) if np.isneginf(entry).all() else Orders.of(entry, time)
    job = _coxph.start(X, time, event, entry, orders.by_time, orders.by_entry, tol, max_iter, beta, variance, stat)
    return PendingFit(job, beta, variance, stat, max_iter)
