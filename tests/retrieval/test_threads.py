"""Scoring threads: BLAS is held to the configured count per process once the index opens."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from assistant.retrieval.threads import limit_scoring_threads


def _blas_threads() -> set[int]:
    np.dot(np.ones((4, 4)), np.ones(4))  # numpy's BLAS is loaded
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_limit_applies_to_numpys_blas() -> None:
    limit_scoring_threads(1)
    assert _blas_threads() == {1}


def test_zero_leaves_the_thread_count_as_it_is() -> None:
    try:
        limit_scoring_threads(2)
        assert _blas_threads() == {2}
        limit_scoring_threads(0)
        assert _blas_threads() == {2}
    finally:
        limit_scoring_threads(1)
    assert _blas_threads() == {1}


def test_the_default_setting_is_one_thread() -> None:
    from assistant.config import RetrievalSettings

    assert RetrievalSettings().scoring_threads == 1
