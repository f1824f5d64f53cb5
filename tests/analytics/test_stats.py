"""Wilson and Newcombe intervals against the published values (Newcombe 1998, tables I-II)."""

from __future__ import annotations

import pytest

from assistant.analytics.stats import median, newcombe, ratio, wilson


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998 (single proportion), example (a)
        (15, 148, 0.0624, 0.1605),  # example (b)
        (0, 20, 0.0, 0.1611),  # example (c)
        (1, 29, 0.0061, 0.1718),  # example (d)
    ],
)
def test_wilson_matches_published_intervals(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson(successes, trials)
    assert interval.estimate == pytest.approx(successes / trials)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


@pytest.mark.parametrize(
    ("a", "m", "b", "n", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),  # Newcombe 1998, table II, method 10, example (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # (b)
        (6, 7, 2, 7, 0.0582, 0.8062),  # (c)
        (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
        (0, 10, 0, 20, -0.1611, 0.2775),  # (e)
        (0, 10, 0, 10, -0.2775, 0.2775),  # (f)
        (10, 10, 0, 20, 0.6791, 1.0000),  # (g)
        (10, 10, 0, 10, 0.6075, 1.0000),  # (h)
    ],
)
def test_newcombe_matches_published_intervals(
    a: int, m: int, b: int, n: int, low: float, high: float
) -> None:
    interval = newcombe(a, m, b, n)
    assert interval.estimate == pytest.approx(a / m - b / n)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_a_difference_is_significant_only_when_its_interval_excludes_zero() -> None:
    assert newcombe(56, 70, 48, 80).excludes_zero
    assert not newcombe(5, 56, 0, 29).excludes_zero
    assert newcombe(48, 80, 56, 70).high < 0  # the other way round: mirrored


def test_no_trials_is_the_whole_range_and_bad_counts_are_refused() -> None:
    assert wilson(0, 0) == wilson(0, 0).__class__(0.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(-1, 2)


def test_median_and_ratio() -> None:
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert ratio(1, 4) == 0.25 and ratio(1, 0) is None
