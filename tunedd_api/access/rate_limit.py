"""A token bucket per API key: ``per_minute`` requests a minute, bursts up to that many.

In process memory: with several API replicas each enforces the limit on its own share of the
traffic (the limit protects a replica's CPU, which is what it is for here).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

from tunedd_api.errors import RateLimitedError


class RateLimiter:
    """Refuses a key's request with RateLimitedError when its bucket is empty.

    :param per_minute: Requests a key may make per minute (0: no limit).
    :param clock: A monotonic clock in seconds (tests inject one).
    """

    def __init__(self, *, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def check(self, key_id: str) -> None:
        """Take one token for ``key_id`` or raise RateLimitedError with the wait."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise RateLimitedError(
                    f"more than {self.per_minute} requests a minute with this key; "
                    f"retry in {wait} s",
                    retry_after_s=wait,
                )
            self._buckets[key_id] = (tokens - 1.0, now)
