"""When to try a failing source again: exponential back-off with jitter."""

from __future__ import annotations

import random

MAX_DELAY = 24 * 60 * 60.0
JITTER = 0.2  # +/- 20 %


def next_delay(
    error_count: int,
    base_interval: int,
    retry_after: float | None = None,
    *,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before the next fetch of a source.

    ``error_count`` is the number of consecutive failures (0 = healthy, the normal
    ``base_interval`` applies). Each failure doubles the delay; the result is jittered by
    +/-20 % so that sources failing together spread out, capped at 24 h, and never shorter
    than a server's ``Retry-After`` (which is itself capped at 24 h).
    """
    base = max(float(base_interval), 1.0)
    exponent = min(max(error_count, 0), 32)
    delay = min(base * 2.0**exponent, MAX_DELAY)
    delay *= 1.0 + (rng or random).uniform(-JITTER, JITTER)
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return max(0.0, min(delay, MAX_DELAY))
