"""Confidence intervals across replications (Student t)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import stdtrit


def t975(df: float) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (not necessarily whole:
    Welch's are not), the factor of a two-sided 95 % interval; NaN when ``df`` is below 1.

    ``scipy.special.stdtrit`` is the function ``scipy.stats.t.ppf`` calls: the same number, without
    the extra second or two that importing ``scipy.stats`` costs every process, and its 0.1 ms a call."""
    if not df >= 1:
        return math.nan
    return float(stdtrit(df, 0.975))


def mean_ci(values) -> dict[str, float]:
    """Mean and the half-width of its 95 % confidence interval (NaN half-width for one value)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return {"mean": math.nan, "ci95": math.nan, "n": 0}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "ci95": math.nan, "n": 1}
    half = t975(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return {"mean": mean, "ci95": half, "n": int(len(x))}
