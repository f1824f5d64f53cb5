"""How many threads numpy's BLAS uses for the query-against-catalog products.

Scoring one query is a single matrix-vector product over the catalog's vectors: a fraction of
a millisecond on one core. OpenBLAS would split it across every core and then keep its idle
threads spinning, which doubled the CPU time of a turn in a server whose workers already run
turns in parallel. The limit applies to the whole process, once, when the index is opened.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_applied: int | None = None


def limit_scoring_threads(threads: int) -> None:
    """Limit BLAS to `threads` per process (0 leaves the library's default)."""
    global _applied
    if threads <= 0 or threads == _applied:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    _applied = threads
    log.debug("BLAS limited to %d thread(s) per process", threads)
