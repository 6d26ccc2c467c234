"""Student-t quantiles and the intervals built on them, against values derived by hand.

t_0.975 has closed forms for 1, 2 and 4 degrees of freedom: for 1 (Cauchy) tan(0.475 pi); for 2,
solving 1/2 + t / (2 sqrt(2 + t^2)) = 0.975 gives t = 0.95 sqrt(2) / sqrt(1 - 0.95^2); for 4 (Hill,
1970) t = 2 sqrt(q - 1) with q = cos(arccos(sqrt(a)) / 3) / sqrt(a), a = 4 p (1 - p), p = 0.975.
For any other degrees of freedom, whole or not, the quantile must leave 0.475 of the density
between 0 and itself (integrated here with numpy from the textbook density).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from sim.compare import welch
from sim.stats import mean_ci, t975

P = 0.975
A4 = 4 * P * (1 - P)
HAND = {
    1: math.tan(math.pi * (P - 0.5)),  # 12.7062
    2: (2 * P - 1) * math.sqrt(2) / math.sqrt(1 - (2 * P - 1) ** 2),  # 4.3027
    4: 2 * math.sqrt(math.cos(math.acos(math.sqrt(A4)) / 3) / math.sqrt(A4) - 1),  # 2.7764
}


def density_from_zero_to(q: float, df: float) -> float:
    """The integral of Student's t density with ``df`` degrees of freedom from 0 to ``q`` (Simpson,
    20,000 intervals: error far below 1e-9 for these smooth densities)."""
    x = np.linspace(0.0, q, 20_001)
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    f = c * (1 + x**2 / df) ** (-(df + 1) / 2)
    h = q / 20_000
    return float(h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()))


def test_t975_against_the_closed_forms():
    assert t975(1) == pytest.approx(12.7062, abs=1e-4) and t975(1) == pytest.approx(HAND[1], abs=1e-9)
    assert t975(2) == pytest.approx(4.3027, abs=1e-4) and t975(2) == pytest.approx(HAND[2], abs=1e-9)
    assert t975(4) == pytest.approx(2.7764, abs=1e-4) and t975(4) == pytest.approx(HAND[4], abs=1e-9)


@pytest.mark.parametrize("df", [1, 3, 9, 29, 6050 / 1993, 16335 / 2477, 1.5, 250.5])
def test_t975_leaves_0_475_of_the_density_between_zero_and_itself(df):
    assert density_from_zero_to(t975(df), df) == pytest.approx(0.475, abs=1e-8)


def test_t975_is_scipy_stats_t_ppf():
    for df in [1, 2, 3.0356, 7, 30, 121, 1e6]:
        assert t975(df) == scipy.stats.t.ppf(0.975, df)


def test_t975_tends_to_the_normal_quantile_and_is_nan_below_one_degree_of_freedom():
    assert t975(1e9) == pytest.approx(1.959964, abs=1e-6)
    assert all(math.isnan(t975(df)) for df in (0, 0.5, -1, math.nan))


def test_mean_ci_by_hand():
    """1..5: mean 3, sd sqrt(2.5) = 1.5811, t(4) = 2.7764; half-width 2.7764 x 1.5811 / sqrt(5) = 1.9632."""
    stat = mean_ci([1, 2, 3, 4, 5, math.nan])  # a NaN replication is left out
    assert (stat["mean"], stat["n"]) == (3.0, 5)
    assert stat["ci95"] == pytest.approx(1.9632, abs=1e-4)
    assert math.isnan(mean_ci([7.0])["ci95"]) and mean_ci([7.0])["mean"] == 7.0


def test_welch_by_hand_with_degrees_of_freedom_that_are_not_whole():
    """a = 1..4: mean 2.5, variance 5/3; b = 2, 4, .., 12: mean 7, variance 70/5 = 14.
    se^2 = (5/3)/4 + 14/6 = 5/12 + 28/12 = 33/12 = 2.75, se = 1.65831.
    Welch-Satterthwaite df = 2.75^2 / ((5/12)^2/3 + (14/6)^2/5) = (121/16) / (125/2160 + 2352/2160)
    = 121 x 2160 / (16 x 2477) = 16335/2477 = 6.5947.
    t_0.975(6.5947) = 2.3944 (between t(7) = 2.3646 and t(6) = 2.4469; checked by the density test).
    Half-width 2.3944 x 1.65831 = 3.9707; the old code floored df to 6: 2.4469 x 1.65831 = 4.0577."""
    d = welch(np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8, 10, 12]), "x")
    assert (d.mean, d.paired, d.n) == (4.5, False, 4)
    assert d.ci95 == pytest.approx(3.9707, abs=1e-4)
    assert d.ci95 == pytest.approx(t975(16335 / 2477) * math.sqrt(33 / 12), abs=1e-12)
    assert t975(7) * math.sqrt(2.75) < d.ci95 < t975(6) * math.sqrt(2.75)
