"""Margins of error and reliability of ACS-style estimates.

All functions are vectorised over NumPy arrays / pandas Series and follow the Census
Bureau's *Understanding and Using ACS Data* (2020), chapter 8:

* MOEs are published at 90% confidence: ``SE = MOE / 1.645``;
* coefficient of variation ``CV = SE / estimate``: <= 12% reliable, 12-40% use with
  caution, > 40% unreliable (the thresholds used by most planning agencies);
* sum of estimates: ``MOE = sqrt(sum MOE_i^2)``; when several components are zero, only
  the largest of their MOEs is counted (the Bureau's guidance for zero estimates);
* proportion ``p = num/den`` (num a subset of den):
  ``MOE_p = sqrt(MOE_num^2 - p^2 MOE_den^2) / den``, falling back to the ratio formula
  ``sqrt(MOE_num^2 + p^2 MOE_den^2) / den`` when the term under the root is negative.
"""

from __future__ import annotations

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
    under the square root is negative. A zero denominator gives NaN.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    mn = np.asarray(moe_numerator, dtype=float)
    md = np.asarray(moe_denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = num / den
        under = mn**2 - p**2 * md**2
        under = np.where(under < 0, mn**2 + p**2 * md**2, under)
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
