"""The rate limiter's store in Redis, so limits hold across workers and hosts.

The same fixed windows as the in-process `RateLimiter`: one counter per key and window
(`INCR`, expiring with the window). When Redis does not answer within its timeout the
in-process limiter decides instead (counted as a cache error), so Redis being down never
fails a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from searxng_cool.api.limits import RateLimiter, Verdict


class RedisRateLimiter:
    def __init__(
        self,
        client: Any,
        *,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.window = window_seconds
        self.clock = clock
        self.local = RateLimiter(window_seconds=window_seconds, clock=clock)
        self.on_error = on_error
        self._skip_until = 0.0

    def hit(self, key: str, limit: int) -> Verdict:
        now = self.clock()
        if time.monotonic() >= self._skip_until:
            started = int(now // self.window) * self.window
            name = f"sxc:rl:{key}:{started}"
            try:
                pipe = self.client.pipeline(transaction=False)
                pipe.incr(name)
                pipe.expire(name, self.window + 1)
                count = int(pipe.execute()[0])
            except Exception:  # any Redis failure: decide in this process
                self._skip_until = time.monotonic() + 1.0
                if self.on_error is not None:
                    self.on_error()
            else:
                return Verdict(
                    allowed=count <= limit,
                    limit=limit,
                    remaining=max(0, limit - count),
                    reset_at=started + self.window,
                    now=now,
                )
        return self.local.hit(key, limit)
