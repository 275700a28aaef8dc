"""MOE and reliability math, as tables of hand-computed cases."""

import math

import numpy as np
import pytest

from mapping.analysis.moe import (
    Reliability,
    coefficient_of_variation,
    difference_test,
    moe_of_proportion,
    moe_of_ratio,
    moe_of_sum,
    reliability,
)


@pytest.mark.parametrize("estimate,moe,expected", [
    (1000, 164.5, 0.10),          # SE 100 -> CV 10%
    (200, 65.8, 0.20),            # SE 40
    (50, 41.125, 0.50),           # SE 25
    (0, 12, math.inf),            # zero estimate: not a usable rate
    (100, float("nan"), float("nan")),
])
def test_coefficient_of_variation(estimate, moe, expected):
    cv = float(coefficient_of_variation(estimate, moe))
    if math.isnan(expected):
        assert math.isnan(cv)
    else:
        assert cv == pytest.approx(expected)


@pytest.mark.parametrize("estimate,moe,expected", [
    (1000, 164.5, Reliability.RELIABLE),       # CV 10%
    (1000, 197.4, Reliability.RELIABLE),       # CV exactly 12%
    (1000, 199.0, Reliability.CAUTION),        # CV 12.1%
    (1000, 658.0, Reliability.CAUTION),        # CV exactly 40%
    (1000, 660.0, Reliability.UNRELIABLE),     # CV 40.1%
    (0, 12, Reliability.UNRELIABLE),
    (500, float("nan"), Reliability.UNKNOWN),  # source publishes no MOE
])
def test_reliability_thresholds(estimate, moe, expected):
    assert reliability(estimate, moe) is expected


@pytest.mark.parametrize("estimates,moes,expected", [
    ([[100, 200]], [[30, 40]], 50.0),                 # sqrt(900 + 1600)
    ([[100, 0, 0]], [[30, 40, 12]], 50.0),            # zeros: only the largest MOE (40) counts
    ([[0, 0]], [[12, 20]], 20.0),
    ([[100, 50]], [[30, float("nan")]], float("nan")),
])
def test_moe_of_sum(estimates, moes, expected):
    got = float(moe_of_sum(np.array(estimates), np.array(moes))[0])
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


@pytest.mark.parametrize("num,den,moe_num,moe_den,expected", [
    # p = 0.25; 30^2 - 0.0625*40^2 = 900 - 100 = 800 -> sqrt(800)/400
    (100, 400, 30, 40, math.sqrt(800) / 400),
    # p = 0.5; 10^2 - 0.25*60^2 = 100 - 900 < 0 -> ratio: sqrt(100 + 900)/200
    (100, 200, 10, 60, math.sqrt(1000) / 200),
    # p = 1; 3^2 - 1*3^2 = 0: not positive -> ratio: sqrt(9 + 9)/2 = 2.12 (issue #10), not 0
    (2, 2, 3, 3, math.sqrt(18) / 2),
    (5, 0, 3, 4, float("nan")),
])
def test_moe_of_proportion_with_ratio_fallback(num, den, moe_num, moe_den, expected):
    got = float(moe_of_proportion(num, den, moe_num, moe_den))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_moe_of_ratio():
    # r = 2; sqrt(10^2 + 4 * 5^2) / 50 = sqrt(200) / 50
    assert float(moe_of_ratio(100, 50, 10, 5)) == pytest.approx(math.sqrt(200) / 50)


@pytest.mark.parametrize("x1,m1,x2,m2,words", [
    (1000, 200, 600, 150, "more than"),            # 400 / 151.98 * 1.645 = 2.63
    (600, 150, 1000, 200, "less than"),
    (1000, 200, 800, 150, "not distinguishable from"),  # 1.32
    (500, 0, 400, 0, "more than"),                 # no sampling error (a full count)
    (500, 0, 500, 0, "not distinguishable from"),
    (10, float("nan"), 20, 5, "no margin of error to test"),
])
def test_difference_test(x1, m1, x2, m2, words):
    z, said = difference_test(x1, m1, x2, m2)
    assert said == words
    if np.isfinite(m1) and m1 and m2:
        assert z == pytest.approx(abs(x1 - x2) / math.sqrt((m1 / 1.645) ** 2 + (m2 / 1.645) ** 2))
