"""Margins of error and reliability of ACS-style estimates.

All functions are vectorised over NumPy arrays / pandas Series and follow the Census
Bureau's *Understanding and Using ACS Data* (2020), chapter 8:

* MOEs are published at 90% confidence: ``SE = MOE / 1.645``;
* coefficient of variation ``CV = SE / estimate``: <= 12% reliable, 12-40% use with
  caution, > 40% unreliable (the thresholds used by most planning agencies);
* sum of estimates: ``MOE = sqrt(sum MOE_i^2)``; when several components are zero, only
  the largest of their MOEs is counted (the Bureau's guidance for zero estimates). A sum
  over areas *and* variables (a region over a branch's tracts) applies that rule once,
  over every cell summed (:func:`total_over_areas`), so the order of summing never
  changes the MOE;
* proportion ``p = num/den`` (num a subset of den):
  ``MOE_p = sqrt(MOE_num^2 - p^2 MOE_den^2) / den``, falling back to the ratio formula
  ``sqrt(MOE_num^2 + p^2 MOE_den^2) / den`` when the term under the root is not positive
  (negative, or exactly zero: 2/2 with MOEs 3/3 gives 2.12, not 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

Z90 = 1.645
RELIABLE_MAX_CV = 0.12
CAUTION_MAX_CV = 0.40


class Reliability(StrEnum):
    """Reliability class of an estimate, from its coefficient of variation."""

    RELIABLE = "reliable"
    CAUTION = "use with caution"
    UNRELIABLE = "unreliable"
    UNKNOWN = "no margin of error"

    @property
    def code(self) -> int:
        """Small integer used in map payloads (0 reliable ... 3 unknown)."""
        return _CODES[self]


_CODES = {
    Reliability.RELIABLE: 0,
    Reliability.CAUTION: 1,
    Reliability.UNRELIABLE: 2,
    Reliability.UNKNOWN: 3,
}
RELIABILITY_BY_CODE = {code: rel for rel, code in _CODES.items()}
#: The colour of each reliability code in charts (reliable blue; caution orange;
#: unreliable red; no margin grey).
RELIABILITY_COLORS = {0: "#2c7fb8", 1: "#fdae61", 2: "#d7191c", 3: "#969696"}


def coefficient_of_variation(estimate: np.ndarray | pd.Series | float,
                             moe: np.ndarray | pd.Series | float) -> np.ndarray:
    """Return CV = (MOE/1.645)/estimate; NaN where the MOE is missing.

    A zero estimate with a known MOE has an infinite CV: the Bureau cannot tell it from
    a small positive number, so it is unreliable as a rate of anything.
    """
    est = np.asarray(estimate, dtype=float)
    m = np.asarray(moe, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = (m / Z90) / np.abs(est)
    cv = np.where(np.isnan(m) | np.isnan(est), np.nan, cv)
    cv = np.where((est == 0) & ~np.isnan(m), np.inf, cv)
    return cv


def reliability_of_cv(cv: np.ndarray | pd.Series | float) -> np.ndarray:
    """Return an array of :class:`Reliability` codes (see ``Reliability.code``) for CVs."""
    c = np.asarray(cv, dtype=float)
    codes = np.full(c.shape, Reliability.UNKNOWN.code, dtype=np.int8)
    known = ~np.isnan(c)
    codes[known & (c <= RELIABLE_MAX_CV)] = Reliability.RELIABLE.code
    codes[known & (c > RELIABLE_MAX_CV) & (c <= CAUTION_MAX_CV)] = Reliability.CAUTION.code
    codes[known & (c > CAUTION_MAX_CV)] = Reliability.UNRELIABLE.code
    return codes


def reliability(estimate: float, moe: float) -> Reliability:
    """Return the reliability class of one estimate."""
    code = int(reliability_of_cv(coefficient_of_variation(estimate, moe)).item())
    return RELIABILITY_BY_CODE[code]


def moe_of_sum(estimates: np.ndarray, moes: np.ndarray) -> np.ndarray:
    """Return the MOE of row sums of ``estimates`` (rows x components).

    Components with a zero estimate contribute only the largest of their MOEs, as the
    Census Bureau recommends; a row with any missing MOE gets a missing MOE.
    """
    est = np.atleast_2d(np.asarray(estimates, dtype=float))
    m = np.atleast_2d(np.asarray(moes, dtype=float))
    zero = est == 0
    nonzero_sq = np.where(zero, 0.0, m**2).sum(axis=1)
    zero_max = np.where(zero, m, 0.0).max(axis=1, initial=0.0)
    out = np.sqrt(nonzero_sq + zero_max**2)
    missing = np.isnan(m).any(axis=1) | np.isnan(est).any(axis=1)
    return np.where(missing, np.nan, out)


def moe_of_proportion(numerator: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series,
                      moe_numerator: np.ndarray | pd.Series,
                      moe_denominator: np.ndarray | pd.Series) -> np.ndarray:
    """Return the MOE of ``numerator / denominator`` where the numerator is a subset.

    Uses the proportion formula and falls back to the ratio formula where the term
    under the square root is not positive. A zero denominator gives NaN.

    >>> round(float(moe_of_proportion(2, 2, 3, 3)), 2)  # zero under the root: ratio formula
    2.12
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    mn = np.asarray(moe_numerator, dtype=float)
    md = np.asarray(moe_denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = num / den
        under = mn**2 - p**2 * md**2
        under = np.where(under <= 0, mn**2 + p**2 * md**2, under)
        out = np.sqrt(under) / den
    return np.where(den == 0, np.nan, out)


def moe_of_ratio(numerator: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series,
                 moe_numerator: np.ndarray | pd.Series,
                 moe_denominator: np.ndarray | pd.Series) -> np.ndarray:
    """Return the MOE of ``numerator / denominator`` where the numerator is not a subset."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    mn = np.asarray(moe_numerator, dtype=float)
    md = np.asarray(moe_denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / den
        out = np.sqrt(mn**2 + r**2 * md**2) / den
    return np.where(den == 0, np.nan, out)


def moe_in_words(estimate: float, moe: float) -> str:
    """A margin of error in words: "± 1,975 (likely between 966,864 and 970,814)".

    >>> moe_in_words(968839, 1975)
    '± 1,975 (likely between 966,864 and 970,814)'
    >>> moe_in_words(12, 30)
    '± 30 (likely between 0 and 42)'
    """
    if not (np.isfinite(moe) and np.isfinite(estimate)):
        return "no margin of error published"
    low = max(0.0, estimate - moe)  # a count is never below zero
    return f"± {moe:,.0f} (likely between {low:,.0f} and {estimate + moe:,.0f})"


@dataclass(frozen=True)
class Total:
    """A sum over areas (and variables), with what it could not count.

    ``estimate`` sums the cells that have an estimate (NaN when none has); ``moe`` comes
    from those of them that have a MOE (NaN when none has). ``areas`` were asked for;
    ``areas_without_estimate`` lack an estimate in at least one cell (those cells are not
    counted); ``areas_without_moe`` have an estimate but no MOE in some cell (the MOE
    leaves those cells out).
    """

    estimate: float
    moe: float
    areas: int
    areas_without_estimate: int = 0
    areas_without_moe: int = 0

    def note(self) -> str:
        """What a reader must know about the figure, in words ("" when nothing)."""
        parts = []
        if self.areas_without_estimate:
            parts.append(f"{self.areas_without_estimate:,} of {self.areas:,} areas have no "
                         "estimate (not counted)")
        if self.areas_without_moe and np.isfinite(self.moe):  # else: "no MOE published"
            parts.append(f"the margin of error leaves out {self.areas_without_moe:,} areas "
                         "with no published margin")
        return "; ".join(parts)


def total_over_areas(estimates: np.ndarray, moes: np.ndarray) -> Total:
    """Return the total of ``estimates`` (areas x variables) and its MOE, the zero-estimate
    rule applied once over all the cells.

    >>> t = total_over_areas(np.array([[0, 5], [0, 7]]), np.array([[4, 3], [6, 4]]))
    >>> t.estimate, t.moe  # sqrt(3^2 + 4^2 + max(4, 6)^2)
    (12.0, 7.810249675906654)
    >>> t = total_over_areas(np.array([[10.0], [np.nan]]), np.array([[3.0], [np.nan]]))
    >>> t.estimate, t.moe, t.note()
    (10.0, 3.0, '1 of 2 areas have no estimate (not counted)')
    """
    est = np.atleast_2d(np.asarray(estimates, dtype=float))
    m = np.atleast_2d(np.asarray(moes, dtype=float))
    have = ~np.isnan(est)
    with_moe = have & ~np.isnan(m)
    areas = est.shape[0]
    without_estimate = int((~have).any(axis=1).sum())
    without_moe = int((have & ~with_moe).any(axis=1).sum())
    if not have.any():
        return Total(np.nan, np.nan, areas, without_estimate, 0)
    estimate = float(est[have].sum())
    if not with_moe.any():
        return Total(estimate, np.nan, areas, without_estimate, without_moe)
    moe = float(moe_of_sum(est[with_moe][None, :], m[with_moe][None, :])[0])
    return Total(estimate, moe, areas, without_estimate, without_moe)


#: The Census Bureau's critical value at 90% confidence (the ACS publishes 90% margins).
Z_90 = 1.645


def difference_test(x1: float, moe1: float, x2: float, moe2: float) -> tuple[float, str]:
    """The Census Bureau's test of whether two ACS estimates differ, at 90% confidence.

    ``|x1 - x2| / sqrt(SE1² + SE2²)`` with ``SE = MOE / 1.645``; above 1.645 the first is
    "more than" or "less than" the second, otherwise "not distinguishable from" it (the
    difference may be sampling error). Without a margin on either side no test can be
    made: "no margin of error to test". Returns the statistic and the words.

    Examples
    --------
    >>> z, words = difference_test(1000, 200, 600, 150)
    >>> round(z, 2), words
    (2.63, 'more than')
    >>> difference_test(1000, 200, 800, 150)[1]
    'not distinguishable from'
    >>> difference_test(10, float("nan"), 20, 5)[1]
    'no margin of error to test'
    """
    values = np.array([x1, moe1, x2, moe2], dtype=float)
    if not np.isfinite(values).all():
        return float("nan"), "no margin of error to test"
    se = float(np.hypot(moe1 / Z_90, moe2 / Z_90))
    gap = abs(float(x1) - float(x2))
    z = gap / se if se else (float("inf") if gap else 0.0)  # no margins: a full count
    if z <= Z_90:
        return z, "not distinguishable from"
    return z, "more than" if x1 > x2 else "less than"
