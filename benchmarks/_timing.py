"""Shared timing for the pure-calculation benchmarks (no database, no Django)."""

import statistics
import time
from collections.abc import Callable

REPEATS = 7


def seconds_per_call(
    function: Callable[[], object], iterations: int, repeats: int = REPEATS
) -> float:
    """The median over `repeats` runs of the mean time of one call (after one warm-up call)."""
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(iterations):
            function()
        samples.append((time.perf_counter() - started) / iterations)
    return statistics.median(samples)
